"""The script sandbox: diagram scripts, and expressions that could loop or allocate, run in separate worker
processes limited by the operating system (address space, CPU time), with RestrictedPython as the language
guard inside. `pool` keeps the workers, `worker` is their side, `codec` carries workflow data between them and
`bounded` says which expressions are cheap enough to stay in the web process."""
