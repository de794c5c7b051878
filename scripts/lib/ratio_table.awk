#!/usr/bin/awk -f
# Turns the runner's lines (`system benchmark value`, systems named <name>-w<N>) into one Markdown
# table per worker count: each system's value and the ratios weir/tokio and weir/asio. Values
# under 100 000 ns are shown in ns (per message, per round trip), larger ones in µs.
{
    sys = $1; bench = $2; val = $3
    n = split(sys, parts, "-w")
    if (n != 2) next
    name = parts[1]; w = parts[2]
    if (!(w in seen_w)) { seen_w[w] = 1; ws[++nw] = w }
    if (!((w, bench) in seen_b)) { seen_b[w, bench] = 1; bs[w, ++nb[w]] = bench }
    v[name, w, bench] = val
    if (!(name in seen_s)) { seen_s[name] = 1; ss[++ns] = name }
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
        header = "| benchmark | unit |"
        rule = "|---|---|"
        for (s = 1; s <= ns; s++) { header = header " " ss[s] " |"; rule = rule "---|" }
        print header " weir/tokio | weir/asio |"
        print rule "---|---|"
        for (j = 1; j <= nb[w]; j++) {
            b = bs[w, j]
            ref = v["tokio", w, b]; if (ref == "") ref = v["weir", w, b]
            unit = (ref != "" && ref + 0 < 100000) ? "ns" : "µs"
            line = "| " b " | " unit " |"
            for (s = 1; s <= ns; s++) line = line " " fmt(v[ss[s], w, b], unit) " |"
            line = line " " ratio(v["weir", w, b], v["tokio", w, b]) " | " ratio(v["weir", w, b], v["asio", w, b]) " |"
            print line
        }
    }
}
