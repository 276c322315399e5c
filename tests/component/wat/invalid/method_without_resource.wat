;; section: import
;; expect: import `[method]foo.bar`: no preceding resource named `foo`
(component
  (import "[method]foo.bar" (func))
)
