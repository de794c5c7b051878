#!/usr/bin/awk -f
# The WebAssembly section of scripts/bench.sh: from the runner's lines (`system benchmark value`,
# systems weir-wN, wasm_threads-wN, wasm_event_loop-wN), one Markdown table per worker count with
# native weir's value, each wasm build's value and its ratio wasm/native (every value is a time or
# a time per item: above 1 means the wasm build is slower). Values under 100 000 ns are in ns,
# larger ones in µs.
#
# The section runs the runner several times (rounds, each marked by a line `# round N`). The
# host's phases (this machine's two vCPUs share their cores with other guests some minutes and
# not others) moved one cell by 2x between runs a minute apart, and a ratio whose two sides were
# measured in different phases said nothing about weir. So each ratio is taken within one round,
# where the runner measured both sides back to back, and the table gives the median of those
# per-round ratios with their range; the values are the medians over the rounds. Lines before the
# first marker count as round 1 (a single run).
/^# round [0-9]+/ { round = $3 + 0; if (round > nr) nr = round; next }
{
    n = split($1, parts, "-w")
    if (n != 2) next
    if (round == 0) { round = 1; nr = 1 }
    name = parts[1]; w = parts[2]; bench = $2
    if (!(w in seen_w)) { seen_w[w] = 1; ws[++nw] = w }
    if (!((w, bench) in seen_b)) { seen_b[w, bench] = 1; bs[w, ++nb[w]] = bench }
    v[name, w, bench, round] = $3
}
function sort_n(a, k,    i, j, t) {  # insertion sort of a[1..k]
    for (i = 2; i <= k; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
}
function median(a, k) {
    if (k == 0) return ""
    sort_n(a, k)
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function value(name, w, b,    r, a, k) {  # median over the rounds
    k = 0
    for (r = 1; r <= nr; r++)
        if ((name, w, b, r) in v) a[++k] = v[name, w, b, r] + 0
    return median(a, k)
}
function ratio(name, w, b,    r, a, k, m, lo, hi) {  # median of per-round ratios, and range
    k = 0
    for (r = 1; r <= nr; r++) {
        if (!((name, w, b, r) in v) || !(("weir", w, b, r) in v)) continue
        if (v["weir", w, b, r] + 0 == 0) continue
        a[++k] = (v[name, w, b, r] + 0) / (v["weir", w, b, r] + 0)
    }
    if (k == 0) return "–"
    m = median(a, k)  # sorts a
    if (k == 1) return sprintf("%.2f", m)
    return sprintf("%.2f (%.2f-%.2f)", m, a[1], a[k])
}
function fmt(x, unit) {
    if (x == "") return "–"
    return unit == "ns" ? sprintf("%.0f", x) : sprintf("%.1f", x / 1000)
}
END {
    if (nr > 1) printf "\n%d rounds: values are medians over the rounds; ratios the median of the per-round ratios (range)\n", nr
    for (i = 1; i <= nw; i++) {
        w = ws[i]
        printf "\n**%s worker%s**\n\n", w, (w == 1 ? "" : "s")
        print "| benchmark | unit | native | wasm threads | threads/native | wasm event loop | event loop/native |"
        print "|---|---|---|---|---|---|---|"
        for (j = 1; j <= nb[w]; j++) {
            b = bs[w, j]
            nat = value("weir", w, b)
            unit = (nat != "" && nat + 0 < 100000) ? "ns" : "µs"
            mt = value("wasm_threads", w, b); el = value("wasm_event_loop", w, b)
            print "| " b " | " unit " | " fmt(nat, unit) " | " fmt(mt, unit) " | " \
                ratio("wasm_threads", w, b) " | " fmt(el, unit) " | " ratio("wasm_event_loop", w, b) " |"
        }
    }
}
