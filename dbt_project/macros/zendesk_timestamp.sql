{#
    zendesk_timestamp(text): a Zendesk time as Fivetran or Airbyte write it, as a naive UTC
    timestamp: 'YYYY-MM-DD hh:mm:ss' or 'YYYY-MM-DDThh:mm:ss', an optional fraction (dropped),
    then nothing, 'Z', '+00', '+00:00' or ' UTC' (Zendesk's API and Fivetran write UTC; another
    offset is refused rather than guessed). Null for any other text. Only text of that shape is
    cast, so PostgreSQL, which has no tolerant cast, fails only on an impossible date of the
    right shape (2026-02-30).
#}
{% macro zendesk_timestamp(value) -%}
    {%- set rest = 'substr(' ~ value ~ ', 20)' -%}
    {%- set zone_free -%}
        case
            when {{ rest }} like '%Z' then substr({{ rest }}, 1, length({{ rest }}) - 1)
            when {{ rest }} like '%+00:00' then substr({{ rest }}, 1, length({{ rest }}) - 6)
            when {{ rest }} like '%+00' then substr({{ rest }}, 1, length({{ rest }}) - 3)
            when {{ rest }} like '% UTC' then substr({{ rest }}, 1, length({{ rest }}) - 4)
            else {{ rest }}
        end
    {%- endset -%}
    case
        when
            ({{ value }} like '____-__-__ __:__:__%' or {{ value }} like '____-__-__T__:__:__%')
            and translate(
                substr({{ value }}, 1, 4) || substr({{ value }}, 6, 2) || substr({{ value }}, 9, 2)
                || substr({{ value }}, 12, 2) || substr({{ value }}, 15, 2)
                || substr({{ value }}, 18, 2),
                '0123456789', ''
            ) = ''
            and (
                ({{ zone_free }}) = ''
                or (
                    ({{ zone_free }}) like '.%'
                    and length({{ zone_free }}) > 1
                    and translate(substr({{ zone_free }}, 2), '0123456789', '') = ''
                )
            )
            then {{ try_cast_as(
                'substr(' ~ value ~ ', 1, 10) || \' \' || substr(' ~ value ~ ', 12, 8)',
                dbt.type_timestamp()
            ) }}
    end
{%- endmacro %}
