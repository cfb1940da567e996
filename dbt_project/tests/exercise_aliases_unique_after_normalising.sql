{#- Two aliases with the same normalised key would match one typed name twice (and duplicate
    its sets in stg_crossfit__sets): each key must appear once. -#}
select
    {{ normalise_key('alias') }} as alias_key,
    count(*) as n_aliases
from {{ ref('exercise_aliases') }}
group by 1
having count(*) > 1
