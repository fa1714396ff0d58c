"""engine.forms: the forms user tasks and start events show, and their server-side validation.

- `formjs`: form-js schemas (`*.form`): checks at deploy, validation of submissions, decoding HTML form posts.
- `conditions`: fields required only on a condition (the `requiredWhen` custom property).
- `camunda`: which form a task shows (formRef, formKey, generated, embedded), resolved by name.
- `generated`: `camunda:formData` turned into a form-js schema.
- `embedded`: embedded HTML forms, read for their `cam-variable-*` fields.
"""
