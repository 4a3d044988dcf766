{#
    The human QA review queue: a deterministic stratified sample of sessions, one row per
    sampled session. Stratum = ISO week of session_date (weeks start on Monday) x severity x
    language x channel x review_outcome, where review_outcome is 'reopened' for a resolved
    session reopened within the window, else its resolution_kind (missing values: 'unknown').

    Quota per stratum: the seed qa_sampling_quotas, rows keyed by severity and review_outcome
    with '*' matching anything; the most specific matching row wins (exact outcome beats exact
    severity, both exact beat either). Within a stratum, sessions are ranked by
    md5(var qa_sample_salt || '|' || session_id) (ties: session_id) and the first `quota` are
    taken: the same sessions always give the same sample, a rebuild never reshuffles it, and a
    new session joins the queue only if it ranks inside its stratum's quota.
#}

{%- set salt = scorecard_setting('qa_sample_salt') %}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

qa_reviews as (

    select * from {{ ref('int_qa_reviews_extracted') }}

),

quotas as (

    select * from {{ ref('qa_sampling_quotas') }}

),

reviewed_sessions as (

    select distinct session_id
    from qa_reviews

),

stratified as (

    select
        session_id,
        {%- for column in segment_columns() %}
        {{ column }},
        {%- endfor %}
        resolution_kind,
        coalesce(severity, 'unknown') as stratum_severity,
        coalesce(language, 'unknown') as stratum_language,
        coalesce(channel, 'unknown') as stratum_channel,
        case
            when is_resolved and is_reopened_within_window then 'reopened'
            else resolution_kind
        end as review_outcome,
        {{ dbt.hash(dbt.concat(["'" ~ salt ~ "|'", 'session_id'])) }} as sample_hash,
        cast({{ dbt.date_trunc('week', 'session_date') }} as date) as week_start_date,
        session_date,
        started_at
    from sessions

),

quota_matches as (

    select
        stratified.session_id,
        quotas.sessions_per_stratum,
        row_number() over (
            partition by stratified.session_id
            order by
                case when quotas.review_outcome = '*' then 0 else 2 end
                + case when quotas.severity = '*' then 0 else 1 end desc
        ) as match_rank
    from stratified
    inner join quotas
        on (quotas.severity = '*' or quotas.severity = stratified.stratum_severity)
        and (quotas.review_outcome = '*' or quotas.review_outcome = stratified.review_outcome)

),

ranked as (

    select
        stratified.*,
        coalesce(quota_matches.sessions_per_stratum, 0) as stratum_quota,
        -- the cast: row_number() is a 4-byte int on Spark, the contract says bigint
        cast(row_number() over (
            partition by
                stratified.week_start_date,
                stratified.stratum_severity,
                stratified.stratum_language,
                stratified.stratum_channel,
                stratified.review_outcome
            order by stratified.sample_hash, stratified.session_id
        ) as {{ dbt.type_bigint() }}) as rank_in_stratum,
        count(*) over (
            partition by
                stratified.week_start_date,
                stratified.stratum_severity,
                stratified.stratum_language,
                stratified.stratum_channel,
                stratified.review_outcome
        ) as stratum_sessions
    from stratified
    left join quota_matches
        on stratified.session_id = quota_matches.session_id
        and quota_matches.match_rank = 1

),

final as (

    select
        -- ids
        ranked.session_id,

        -- strings
        {%- for column in segment_columns() %}
        ranked.{{ column }},
        {%- endfor %}
        ranked.resolution_kind,
        ranked.review_outcome,
        {{ dbt.concat([
            'ranked.stratum_severity', "'|'", 'ranked.stratum_language', "'|'",
            'ranked.stratum_channel', "'|'", 'ranked.review_outcome']) }} as stratum,

        -- numerics
        ranked.rank_in_stratum,
        ranked.stratum_quota,
        ranked.stratum_sessions,
        cast(ranked.stratum_sessions as {{ type_double() }})
            / (case when ranked.stratum_sessions < ranked.stratum_quota
                then ranked.stratum_sessions else ranked.stratum_quota end)
            as sampling_weight,

        -- booleans
        reviewed_sessions.session_id is not null as has_human_review,

        -- dates
        ranked.week_start_date,
        ranked.session_date,

        -- timestamps
        ranked.started_at

    from ranked
    left join reviewed_sessions
        on ranked.session_id = reviewed_sessions.session_id
    where ranked.rank_in_stratum <= ranked.stratum_quota

)

select * from final
