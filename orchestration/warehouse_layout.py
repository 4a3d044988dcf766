"""Names the dbt project gives the warehouse's schemas, for the Python that reads them.

The dbt project writes its models into these schemas verbatim (macro `generate_schema_name`,
`+schema` in dbt_project/dbt_project.yml); the checks, the dbt asset keys and the publish
step read them from here, so no module borrows them from another.
"""

# The schema of the marts (dbt_project/models/marts/): what the checks validate and publish copies.
MARTS_SCHEMA = "marts"
