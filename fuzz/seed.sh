#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the repository's policies, tests and examples. Run from
# anywhere; the corpus is not committed (fuzz/.gitignore).
set -eu
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
corpus="$fuzz/corpus"
mkdir -p "$corpus/policy" "$corpus/case" "$corpus/batch" "$corpus/diff"

# A file under a name made from its path, so that seeds from different folders do not collide.
seed() {
    target=$1
    file=$2
    name=$(printf '%s' "${file#"$root"/}" | tr '/' '_')
    cp "$file" "$corpus/$target/$name"
}

policies=$(find "$root/policies" "$root/tests/diagnostics" "$root/tests/format" -name '*.licit' | sort)
cases=$(find "$root/examples" "$root/tests/cases" -name '*.json' | sort)

for file in $policies; do
    seed policy "$file"
done
for file in $cases; do
    seed case "$file"
done

# Batches: every case on one line, all of them in one stream, and a stream with blank lines.
stream="$corpus/batch/all-cases.jsonl"
: >"$stream"
for file in $cases; do
    tr -d '\n' <"$file" >>"$stream"
    printf '\n' >>"$stream"
done
for file in $cases; do
    tr -d '\n' <"$file" >"$corpus/batch/$(basename "$file" .json).jsonl"
done
printf '\n  \n{"date": "2024-01-01"}\r\n\n' >"$corpus/batch/blank-lines.jsonl"

# Diffs: each small policy with itself and with the next one, split by a NUL byte.
previous=""
for file in $policies; do
    if [ "$(wc -c <"$file")" -le 2048 ]; then
        name=$(printf '%s' "${file#"$root"/}" | tr '/' '_')
        cp "$file" "$corpus/diff/$name"
        if [ -n "$previous" ]; then
            { cat "$previous"; printf '\0'; cat "$file"; } >"$corpus/diff/pair-$name"
        fi
        previous=$file
    fi
done

for target in policy case batch diff; do
    echo "$target: $(ls "$corpus/$target" | wc -l) seeds"
done
