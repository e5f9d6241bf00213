#!/usr/bin/env python3
"""Rule-author's check: per-rule and per-file scores of rules/yara over the
malicious corpus and the benign corpus, with the python yara-x wheel
(`pip install yara-x`). The real figures come from scripts/eval-corpus, which
runs `ferret scan` (rules + heuristics); this is a quick loop for writing rules.

usage: scripts/yara-eval.py [--lang php] [--rules rules/yara] [--benign DIR] [--show-misses N]
"""
import argparse, collections, os, re, sys
import yara_x

SEV = {"info": 0, "low": 20, "medium": 50, "high": 75, "critical": 100}
SCRIPT_EXT = {"php","php3","php4","php5","php7","phtml","phar","inc","asp","asa","cer","aspx","ashx","asmx","ascx","asax","jsp","jspx","jspf","cfm","cfml","cfc","pl","pm","cgi","py","sh","bash","rb"}

def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--rules", default=os.path.join(here, "..", "rules", "yara"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus", "malicious"))
    ap.add_argument("--benign", default=os.path.expanduser("~/.cache/ferret-corpus/benign/tree"))
    ap.add_argument("--lang", action="append", help="corpus folder(s) to evaluate; default all")
    ap.add_argument("--threshold", type=int, default=50)
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--all-benign", action="store_true", help="scan every benign file, not only script extensions")
    a = ap.parse_args()

    comp = yara_x.Compiler()
    for dp, _, fs in os.walk(a.rules):
        for f in sorted(fs):
            if not f.endswith(".yar"):
                continue
            p = os.path.join(dp, f)
            src = open(p, encoding="utf-8").read()
            try:
                yara_x.compile(src)
            except Exception as e:
                print(f"BROKEN {p}: {e}", file=sys.stderr)
                continue
            comp.new_namespace(os.path.relpath(p, a.rules).replace("/", "_").replace(".", "_"))
            comp.add_source(src)
    rules = comp.build()
    scanner = yara_x.Scanner(rules)
    scanner.set_timeout(10)

    def score(path):
        try:
            data = open(path, "rb").read()
        except OSError:
            return 0, []
        try:
            res = scanner.scan(data)
        except Exception:
            return 0, ["TIMEOUT"]
        total, ids = 0, []
        for r in res.matching_rules:
            m = dict(r.metadata)
            s = int(m.get("score", SEV.get(m.get("severity", "low"), 20)))
            total += s
            ids.append(f"{m.get('id', r.identifier)}({s})")
        return total, ids

    langs = a.lang or sorted(d for d in os.listdir(a.corpus) if os.path.isdir(os.path.join(a.corpus, d)))
    rule_hits = collections.Counter()
    tot_n = tot_hit = 0
    for lang in langs:
        d = os.path.join(a.corpus, lang)
        files = sorted(os.listdir(d))
        hit = 0
        misses = []
        for f in files:
            s, ids = score(os.path.join(d, f))
            for i in ids:
                rule_hits[i.split("(")[0]] += 1
            if s >= a.threshold:
                hit += 1
            else:
                misses.append((f, s, ids))
        tot_n += len(files); tot_hit += hit
        print(f"{lang:8} recall {hit}/{len(files)} = {100*hit/max(1,len(files)):.1f}%")
        for f, s, ids in misses[: a.show_misses]:
            print(f"   miss {lang}/{f} score={s} {' '.join(ids)}")
    print(f"overall  recall {tot_hit}/{tot_n} = {100*tot_hit/max(1,tot_n):.1f}%")

    if os.path.isdir(a.benign):
        n = fp = 0
        fp_rules = collections.Counter()
        weak = collections.Counter()
        for dp, _, fs in os.walk(a.benign):
            for f in fs:
                ext = f.rsplit(".", 1)[-1].lower() if "." in f else ""
                if not a.all_benign and ext not in SCRIPT_EXT:
                    continue
                p = os.path.join(dp, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                n += 1
                s, ids = score(p)
                for i in ids:
                    weak[i.split("(")[0]] += 1
                if s >= a.threshold:
                    fp += 1
                    print(f"FP score={s} {os.path.relpath(p, a.benign)} {' '.join(ids)}")
                    for i in ids:
                        fp_rules[i.split("(")[0]] += 1
        print(f"benign   {fp} false positives of {n} files = {100*fp/max(1,n):.3f}%")
        print("benign hits per rule (any score):", dict(weak.most_common()))
    print("malicious hits per rule:", dict(rule_hits.most_common()))

if __name__ == "__main__":
    main()
