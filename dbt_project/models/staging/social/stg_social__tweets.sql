{{ config(enabled=source_adapter_enabled('social')) }}

{#
    One row per stored row of the social source's tweets table (raw.source_rows), as the Kaggle
    "Customer Support on Twitter" dataset ships it: typed, placed in its thread, and either
    mappable (unmapped_reason null) or not, with the reason. Personal data (author ids, text):
    a view in staging, read only by stg_social__events and stg_social__row_outcomes.

    Threads are rebuilt from the reply links: a tweet whose in_response_to_tweet_id is empty,
    or names a tweet that is not here (not delivered, or not mappable), starts a thread; every
    reply joins the thread of the tweet it answers. response_tweet_id is the same link seen
    from the parent (a comma-separated list of its replies), so it is not read. A tweet id
    delivered again keeps its first delivery (load, file, row order).
#}

{%- set columns = [
    'tweet_id', 'author_id', 'inbound', 'created_at', 'text', 'in_response_to_tweet_id'
] -%}
{%- set months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
    'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] -%}

with recursive

delivered as (

    {{ source_table_texts('social', 'tweets', columns, delivery_key=['tweet_id_text']) }}

),

-- created_at like 'Tue Oct 31 22:10:47 +0000 2017': the parts by position, rebuilt as
-- 'YYYY-MM-DD hh:mm:ss', cast, then moved to UTC by the offset
created_at_parts as (

    select
        *,
        case split_part(created_at_text, ' ', 2)
            {%- for month in months %}
            when '{{ month }}' then '{{ "%02d" % loop.index }}'
            {%- endfor %}
        end as created_month,
        split_part(created_at_text, ' ', 5) as created_offset
    from delivered

),

parsed as (

    select
        *,
        case
            when
                split_part(created_at_text, ' ', 7) = ''
                and length(split_part(created_at_text, ' ', 3)) = 2
                and length(split_part(created_at_text, ' ', 4)) = 8
                and length(created_offset) = 5
                and substr(created_offset, 1, 1) in ('+', '-')
                then {{ try_cast_as(
                    "split_part(created_at_text, ' ', 6) || '-' || created_month || '-'"
                    ~ " || split_part(created_at_text, ' ', 3)"
                    ~ " || ' ' || split_part(created_at_text, ' ', 4)",
                    dbt.type_timestamp()
                ) }}
        end as created_at_local,
        (case when substr(created_offset, 1, 1) = '-' then -1 else 1 end)
        * (
            60 * {{ try_cast_as('substr(created_offset, 2, 2)', dbt.type_int()) }}
            + {{ try_cast_as('substr(created_offset, 4, 2)', dbt.type_int()) }}
        ) as created_offset_minutes,
        case lower(inbound_text)
            when 'true' then 'customer'
            when 'false' then 'agent'
        end as actor_type
    from created_at_parts

),

checked as (

    select
        *,
        {{ dbt.dateadd('minute', '-created_offset_minutes', 'created_at_local') }} as created_at,
        case
            when coalesce(tweet_id_text, '') = '' then 'tweet_id is empty'
            when delivery_number > 1
                then 'tweet_id delivered before (an earlier row or load); the first delivery is kept'
            when created_at_local is null or created_offset_minutes is null
                then 'created_at is not a time like Tue Oct 31 22:10:47 +0000 2017'
            when actor_type is null then 'inbound is neither True nor False'
            when coalesce(author_id_text, '') = '' then 'author_id is empty'
        end as row_problem
    from parsed

),

mappable as (

    select * from checked
    where row_problem is null

),

-- top down from the tweets that start a thread; a tweet on a loop of reply links is never
-- reached (nothing in a loop starts a thread), so the recursion ends
threads as (

    select
        mappable.tweet_id_text,
        mappable.tweet_id_text as thread_root_tweet_id
    from mappable
    left join mappable as parents
        on mappable.in_response_to_tweet_id_text = parents.tweet_id_text
    where parents.tweet_id_text is null

    union all

    select
        replies.tweet_id_text,
        threads.thread_root_tweet_id
    from mappable as replies
    inner join threads
        on replies.in_response_to_tweet_id_text = threads.tweet_id_text

),

thread_customers as (

    select
        threads.thread_root_tweet_id,
        {{ first_value_by(
            'mappable.author_id_text',
            ['mappable.created_at', 'mappable.loaded_at', 'mappable.source_file',
                'mappable.source_line'],
            where="mappable.actor_type = 'customer'"
        ) }} as thread_customer_author_id
    from threads
    inner join mappable on threads.tweet_id_text = mappable.tweet_id_text
    group by threads.thread_root_tweet_id

),

final as (

    select
        -- ids
        checked.tweet_id_text as tweet_id,
        checked.author_id_text as author_id,
        checked.in_response_to_tweet_id_text as in_response_to_tweet_id,
        threads.thread_root_tweet_id,
        thread_customers.thread_customer_author_id,
        checked.load_id,

        -- strings
        checked.source,
        checked.source_table,
        checked.actor_type,
        checked.text_text as tweet_text,
        checked.source_file,
        case
            when checked.row_problem is not null then checked.row_problem
            when threads.thread_root_tweet_id is null
                then 'its reply chain never reaches a first tweet (the in_response_to_tweet_id links loop)'
            when thread_customers.thread_customer_author_id is null
                then 'its thread holds no customer tweet (inbound True), so its session has no customer'
        end as unmapped_reason,

        -- numerics
        checked.source_line,

        -- timestamps
        checked.created_at,
        checked.loaded_at

    from checked
    left join threads
        on checked.row_problem is null and checked.tweet_id_text = threads.tweet_id_text
    left join thread_customers
        on threads.thread_root_tweet_id = thread_customers.thread_root_tweet_id

)

select * from final
