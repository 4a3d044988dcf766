{#
    redact_text(column): message text with personal data replaced by placeholders, applied in
    staging so raw text never leaves it: e-mail addresses -> [email], card-like numbers
    (13-19 digits, spaces or dashes allowed) -> [card], phone-like numbers (9+ digits, each
    separated by at most two spaces, dots, dashes or brackets, optional leading +) -> [phone].
    Order matters: e-mails first (they may hold digits), then cards, then phones (a phone
    number of 13+ digits, e.g. 0044 20 7946 0958, is labelled [card]: still redacted). The
    patterns avoid \b and \d (PostgreSQL ARE reads \b as backspace) so one pattern runs everywhere.
    Redaction errs on the safe side: order numbers of 9+ digits become [phone]; 7-8 digit local
    numbers are not caught (a date like 2024-01-15 must survive).
#}
{% macro redaction_patterns() -%}
    {{ return([
        ("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}", "[email]"),
        ("[0-9]([ -]?[0-9]){12,18}", "[card]"),
        ("[+]?[(]?[0-9]([ ().-]{0,2}[0-9]){8,}", "[phone]"),
    ]) }}
{%- endmacro %}

{% macro redact_text(column) -%}
    {%- set ns = namespace(expression=column) -%}
    {%- for pattern, placeholder in redaction_patterns() -%}
        {%- set ns.expression = adapter.dispatch('regexp_replace_all', 'empathy_warehouse')(
            ns.expression, pattern, placeholder) -%}
    {%- endfor -%}
    {{ ns.expression }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro trino__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}
