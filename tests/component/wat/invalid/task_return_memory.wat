;; section: canon
;; expect: canon task.return needs a memory option
(component
  (core func (canon task.return (result string)))
)
