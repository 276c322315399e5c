(module (func $f (export "f") (result i32) return_call $f))
