"""engine.diagrams: reading diagrams, from uploaded files to the parsed specs paths run on.

Parsing: `parser` (the app's CamundaParser, assembled from `node_parsers`, `external_specs` for external
tasks and messages, `flows` for implicit splits and conditions, `script_parsing` for script languages and
`timer_events`), `dmn` (decision tables), `encoding` (XML in any encoding).
Checking: `validation` (`check_files`: every problem of a set of files), `problems` (what a problem is and
where), `xml_checks` (read before parsing), `checks` (what a parsed process needs to run here),
`parser_messages` (SpiffWorkflow's messages reworded), `time_values` and `cron` (dates, durations, cycles),
`declarations` (what a process declares as a whole), `batch` (validating many files, each on its own).
Deploying and binding: `deployment` (files become versions), `versions` (looking deployed versions up),
`bindings` (which deployed decision, form or called process a step uses).
Parsed specs: `specs` (the spec cache and workflow state without the spec), `pruning` (finished branches
dropped before saving), `workflow_tasks` (finding the tasks of a restored workflow).
"""
