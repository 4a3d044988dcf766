{#
    business_seconds_between(start_at, end_at, business_hours='business_hours'): the number of
    seconds between two UTC timestamps that fall inside support business hours, i.e. the total
    overlap of [start_at, end_at) with the open intervals of `business_hours` (a CTE or relation
    shaped like int_business_hours_expanded: opens_at, closes_at, UTC). Null when either end is
    null; 0 when end_at is not after start_at or the span never touches an open interval.

    Pattern: the model imports int_business_hours_expanded in a CTE named business_hours and
    calls the macro with fully qualified columns (the correlated subquery sees the outer row):
        {{ business_seconds_between('replies.answered_at', 'replies.replied_at') }}
    Portable SQL (a correlated scalar subquery, greatest/least, dbt.datediff): DuckDB
    decorrelates it into a join; PostgreSQL runs it per row against a small interval table.
    Spark refuses an aggregate over outer and inner columns in a correlated subquery: there the
    intervals are collected once into an array (an uncorrelated subquery) and each row sums its
    overlaps with a higher-order function, no join (one interval per open day: a short array).
#}
{% macro business_seconds_between(start_at, end_at, business_hours='business_hours') -%}
    {{ return(adapter.dispatch('business_seconds_between', 'empathy_warehouse')(
        start_at, end_at, business_hours)) }}
{%- endmacro %}

{% macro default__business_seconds_between(start_at, end_at, business_hours) -%}
    case
        when {{ start_at }} is not null and {{ end_at }} is not null then (
            select
                cast(coalesce(sum({{ dbt.datediff(
                    'greatest(' ~ business_hours ~ '.opens_at, ' ~ start_at ~ ')',
                    'least(' ~ business_hours ~ '.closes_at, ' ~ end_at ~ ')',
                    'second'
                ) }}), 0) as {{ dbt.type_bigint() }})
            from {{ business_hours }}
            where
                {{ business_hours }}.opens_at < {{ end_at }}
                and {{ business_hours }}.closes_at > {{ start_at }}
        )
    end
{%- endmacro %}

{% macro spark__business_seconds_between(start_at, end_at, business_hours) -%}
    case
        when {{ start_at }} is not null and {{ end_at }} is not null then aggregate(
            filter(
                (select collect_list(struct(opens_at, closes_at)) from {{ business_hours }}),
                open_interval -> open_interval.opens_at < {{ end_at }}
                    and open_interval.closes_at > {{ start_at }}
            ),
            cast(0 as bigint),
            (total, open_interval) -> total
                + unix_timestamp(least(open_interval.closes_at, {{ end_at }}))
                - unix_timestamp(greatest(open_interval.opens_at, {{ start_at }}))
        )
    end
{%- endmacro %}
