{#
    One row per stored row of every source adapter's tables (var event_sources): mapped
    (unmapped_reason null) or not, and why. The one reader of the adapters' outcomes, so the
    marts never read a source adapter's models. No ids, no text.
#}

with

row_outcomes as (

    {{ source_row_outcomes() }}

)

select * from row_outcomes
