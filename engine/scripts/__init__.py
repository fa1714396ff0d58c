"""engine.scripts: the languages diagrams write expressions and scripts in, and how they run safely.

- `expressions`: JUEL as Camunda Modeler writes it (`${approved}`, `#{a && !b}`) turned into Python; timer texts.
- `feel`: FEEL expressions and decision-table unary tests turned into Python.
- `restricted`: RestrictedPython compilation, guards and in-process limits (`LocalEnvironment`).
- `scripting`: the script engine SpiffWorkflow calls (`CareerScriptEngine`): plain expressions here, anything
  that could loop or allocate in the sandbox, JavaScript in V8.
- `sandbox/`: the pool of OS-limited worker processes (`pool`, `worker`, `codec`, `bounded`).
- `javascript`, `languages`: JavaScript in V8 (mini-racer) with Camunda's `execution`, dispatched by language.
- `vocabulary`: the names of the functions diagrams may call (bound by engine.runtime.script_functions).
"""
