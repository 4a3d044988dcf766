{#
    redact_text(column): message text with personal data replaced by placeholders, applied in
    staging so raw text never leaves it. In this order (earlier patterns may hold digits the
    later ones would take):
      [email]  e-mail addresses, internationalised too (any characters but spaces, line breaks
               and <>(),;: around the @, a dotted domain ending in 2+ non-digits):
               jane.doe@example.co.uk, josé.müller@bücher.de, 用户@例子.广告
      [ip]     IPv6 addresses, full (8 hex groups) or compressed (with ::): 2001:db8::8a2e:370:7334
      [iban]   IBANs in capitals, compact or in groups of four: GB82 WEST 1234 5698 7654 32
      [ip]     IPv4 addresses: 192.168.10.254
      [card]   card-like numbers, 13-19 digits with spaces, dashes or underscores between:
               4111_1111_1111_1111
      [phone]  phone-like numbers of 9+ digits (each separated by at most two spaces, dots,
               dashes or brackets, optional leading +): +44 (20) 7946-0958
      [phone]  7-8 digit national numbers: 3-4 digits, a space, dot or dash, 4 digits
               (555-0123, 7946 0958); four pairs (12 34 56 78); or 7-8 digits in a row
    A date (2024-01-15) and a time (10:00:05) survive: no pattern takes 4-2-2 digit groups or
    colon-separated pairs. Redaction errs on the safe side: order numbers of 7+ digits, two
    4-digit numbers in a row ("2024 2025"), version strings like 1.2.3.4 and "std::" (read as
    an IPv6 address) are redacted too; a phone number of 13+ digits (0044 20 7946 0958) is
    labelled [card], still redacted. Not caught: lowercase IBANs, 6-digit or shorter numbers,
    and anything a pattern cannot see: names and street addresses need a model (residual risk).
    The patterns avoid \b, \d and lookarounds (PostgreSQL ARE reads \b as backspace, and has no
    lookbehind), so one pattern runs on DuckDB, PostgreSQL, Spark (java_regex escapes its
    bracketed brackets) and Trino (untested).
#}
{% macro redaction_patterns() -%}
    {%- set outside_address = "[^ \\t\\r\\n@<>(),;:]" -%}
    {%- set hex_group = "[0-9A-Fa-f]{1,4}" -%}
    {{ return([
        (outside_address ~ "+@" ~ outside_address ~ "+[.][^ \\t\\r\\n@<>(),;:.0-9]{2,}", "[email]"),
        (hex_group ~ "(:" ~ hex_group ~ "){7}"
            ~ "|" ~ hex_group ~ "(:" ~ hex_group ~ "){0,6}::(" ~ hex_group ~ "(:" ~ hex_group ~ "){0,6})?"
            ~ "|::" ~ hex_group ~ "(:" ~ hex_group ~ "){0,6}", "[ip]"),
        ("[A-Z]{2}[0-9]{2}[ ]?([A-Z0-9]{4}[ ]?){2,7}[A-Z0-9]{1,4}", "[iban]"),
        ("[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}", "[ip]"),
        ("[0-9]([ _-]?[0-9]){12,18}", "[card]"),
        ("[+]?[(]?[0-9]([ ().-]{0,2}[0-9]){8,}", "[phone]"),
        ("[0-9]{3,4}[ .-][0-9]{4}|[0-9]{2}([ .-][0-9]{2}){3}|[0-9]{7,8}", "[phone]"),
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

{#
    safe_label(expression, is_list=false): the value when it is a label, else 'unrecognised';
    null stays null. For upstream attributes that reach the marts as segment or category values
    (intent, language, severity, reasons, model_version, prompt_id, unknown event types, ...):
    free-form input there must not publish personal data. A label is 1-64 characters of
    letters, digits and _ . : / - starting with a letter or digit (so no '@', '+', spaces) that
    redact_text would leave unchanged (no phone-, card-, IBAN- or IP-like digit runs; so a
    model version holding a compact date such as 20241022 is 'unrecognised', a dashed one
    passes). With is_list, the value is a JSON array of such labels (tone tags), else
    '["unrecognised"]'. Residual risk: a name written as a label (jane-doe) passes; it cannot be
    told from a label.
#}
{% macro safe_label(expression, is_list=false) -%}
    {%- set label = "[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}" -%}
    {%- if is_list -%}
        {%- set item = '"' ~ label ~ '"' -%}
        {%- set shape = "^[[] *(" ~ item ~ " *(, *" ~ item ~ " *)*)?[]]$" -%}
        {%- set placeholder = "'[\"unrecognised\"]'" -%}
    {%- else -%}
        {%- set shape = "^" ~ label ~ "$" -%}
        {%- set placeholder = "'unrecognised'" -%}
    {%- endif -%}
    {%- set matches = adapter.dispatch('regexp_matches_all', 'empathy_warehouse') -%}
    case
        when {{ expression }} is null then null
        when not {{ matches(expression, shape) }} then {{ placeholder }}
        {#- Every redaction pattern a label can hold needs a digit or a colon: most labels
            (billing_dispute, en) skip the costly redaction check. #}
        when not {{ matches(expression, '[0-9:]') }} then {{ expression }}
        when {{ redact_text(expression) }} = {{ expression }} then {{ expression }}
        else {{ placeholder }}
    end
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ java_regex(pattern) }}', '{{ replacement }}')
{%- endmacro %}

{% macro trino__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- regexp_matches_all(expression, pattern): true when pattern (anchor it with ^...$ to match
    the whole value) matches. -#}
{% macro default__regexp_matches_all(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_matches_all(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_matches_all(expression, pattern) -%}
    ({{ expression }} rlike '{{ java_regex(pattern) }}')
{%- endmacro %}

{#- Java's regex reads [ inside a bracket expression as a nested class, so the bracketed
    brackets the patterns use ([[] and []]) become escapes there; the SQL literal doubles the
    backslash (Spark unescapes string literals). -#}
{% macro java_regex(pattern) -%}
    {{ pattern | replace("[[]", "\\\\[") | replace("[]]", "\\\\]") }}
{%- endmacro %}

{% macro trino__regexp_matches_all(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}
