#!/usr/bin/awk -f
# The WebAssembly section of scripts/bench.sh: from the runner's lines (`system benchmark value`,
# systems weir-wN, wasm_threads-wN, wasm_event_loop-wN), one Markdown table per worker count with
# native weir's value, each wasm build's value and its ratio wasm/native (every value is a time or
# a time per item: above 1 means the wasm build is slower). Values under 100 000 ns are in ns,
# larger ones in µs.
{
    n = split($1, parts, "-w")
    if (n != 2) next
    name = parts[1]; w = parts[2]; bench = $2
    if (!(w in seen_w)) { seen_w[w] = 1; ws[++nw] = w }
    if (!((w, bench) in seen_b)) { seen_b[w, bench] = 1; bs[w, ++nb[w]] = bench }
    v[name, w, bench] = $3
}
function fmt(x, unit) {
    if (x == "") return "–"
    return unit == "ns" ? sprintf("%.0f", x) : sprintf("%.1f", x / 1000)
}
function ratio(a, b) {
    if (a == "" || b == "" || b == 0) return "–"
    return sprintf("%.2f", a / b)
}
END {
    for (i = 1; i <= nw; i++) {
        w = ws[i]
        printf "\n**%s worker%s**\n\n", w, (w == 1 ? "" : "s")
        print "| benchmark | unit | native | wasm threads | threads/native | wasm event loop | event loop/native |"
        print "|---|---|---|---|---|---|---|"
        for (j = 1; j <= nb[w]; j++) {
            b = bs[w, j]
            nat = v["weir", w, b]
            unit = (nat != "" && nat + 0 < 100000) ? "ns" : "µs"
            mt = v["wasm_threads", w, b]; el = v["wasm_event_loop", w, b]
            print "| " b " | " unit " | " fmt(nat, unit) " | " fmt(mt, unit) " | " ratio(mt, nat) \
                " | " fmt(el, unit) " | " ratio(el, nat) " |"
        }
    }
}
