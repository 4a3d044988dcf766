{#
    Spark spells two of the types the project writes differently: `varchar` needs a length
    there (text is `string`) and `double precision` is `double`. The models, contracts and
    seed files keep the ANSI names; on Spark these overrides of dbt's own macros translate
    them (dbt_project.yml dispatches the `dbt` namespace to this project first), so nothing
    changes on DuckDB or PostgreSQL.
#}
{% macro spark_data_type(data_type) -%}
    {%- set spelled = data_type | trim | lower -%}
    {{ return({'varchar': 'string', 'double precision': 'double'}.get(spelled, data_type)) }}
{%- endmacro %}

{#- dbt.cast: the models' casts and the contracts' empty-schema query (one cast per column). -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_data_type(type) }})
{%- endmacro %}

{#- Seeds: dbt-spark reads column_types verbatim; these run its macros on translated types. -#}
{% macro spark_seed_node(model) -%}
    {%- set column_types = {} -%}
    {%- for column, data_type in model['config'].get('column_types', {}).items() -%}
        {%- do column_types.update({column: spark_data_type(data_type)}) -%}
    {%- endfor -%}
    {%- set config = dict(model['config']) -%}
    {%- do config.update({'column_types': column_types}) -%}
    {%- set node = dict(model) -%}
    {%- do node.update({'config': config}) -%}
    {{ return(node) }}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {{ return(dbt.spark__create_csv_table(spark_seed_node(model), agate_table)) }}
{%- endmacro %}

{#- dbt-spark's session method pastes seed values into the SQL with no escaping (a quote or a
    backslash in a CSV cell breaks the statement, an empty cell becomes the text 'None'), so
    this writes the values as Spark SQL literals itself. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_types = spark_seed_node(model)['config']['column_types'] -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_types.get(agate_table.column_names[loop.index0], inferred_type) -%}
                    {%- set literal = value if value is number else string_literal(value | string) -%}
                    cast({{ 'null' if value is none else literal }} as {{ type }}){{ ", " if not loop.last }}
                {%- endfor -%}){{ "," if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
