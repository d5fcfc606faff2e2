"""Check that every label and alias of each unseen4 gold file occurs in its document
(after the scorer's normalisation: NFKC, no white space, no quote/title marks).
Forms that need not occur verbatim, because they are systematic full forms:
  - the canonical label itself (listed as 'label' for review),
  - a form + 称号 / 荣誉称号 on an Honour,
  - a form prefixed with the parent's / org's forms (or the grandparent's),
  - 中华人民共和国 + a form,
  - a form that equals a found form with 、，, removed,
  - an Honour form prefixed with the name of a Bureau in the document (internal titles),
  - official full names of external bodies (中华…, 中国共产党…, …委员会, …联合会; listed as 'official'),
  - KNOWN variants (official names of the 12360 hotline)."""
import json, glob, os, re, sys, html, unicodedata
D = os.path.dirname(os.path.abspath(__file__))
_DROP = set(" \t\r\n\u3000“”‘’\"'「」『』《》")
def norm(t):
    t = unicodedata.normalize('NFKC', str(t))
    return ''.join(c for c in t if c not in _DROP)
KNOWN = {'12360', '12360热线', '12360海关热线', '12360海关服务热线', '12360海关统一服务热线'}
def depunct(s):
    return re.sub('[、,，]', '', s)
problems = 0
for gf in sorted(glob.glob(os.path.join(D, '*.gold.json'))):
    g = json.load(open(gf, encoding='utf-8'))
    doc = g['documents'][0]
    raw = open(os.path.join(D, doc), encoding='utf-8').read()
    if doc.endswith('.html'):
        raw = re.sub(r'<(script|style).*?</\1>', '', raw, flags=re.S)
        raw = html.unescape(re.sub(r'<[^>]+>', '\n', raw))
    text = norm(raw)
    byl = {}
    for e in g['entities']:
        byl.setdefault(e['label'], e)
    def forms(label):
        e = byl.get(label)
        return {norm(label)} | ({norm(a) for a in e['aliases']} if e else set())
    print('==', doc)
    for e in g['entities']:
        pre = set()
        for k in ('parent', 'org'):
            if e.get(k):
                pre |= forms(e[k])
                pe = byl.get(e[k])
                if pe and pe.get('parent'):
                    pre |= forms(pe['parent'])
        if e['type'] == 'Honour':
            pre |= {norm(x['label']) for x in g['entities'] if x['type'] == 'Bureau'}
        allf = [e['label']] + e['aliases']
        infix = {norm(f) for f in allf if norm(f) in text}
        if not infix:
            tag = 'optional' if e.get('optional') else 'REQUIRED'
            print(f'  !! no form of {e["type"]} {e["label"]} in text ({tag})')
            if not e.get('optional'):
                problems += 1
        base = {norm(f) for f in allf}
        for f in allf:
            n = norm(f)
            if n in text:
                continue
            if f == e['label']:
                print(f'  label   {e["type"]:<20} {f}')
                continue
            if e['type'] == 'Honour' and any(n == b + s for b in base for s in ('称号', '荣誉称号')):
                continue
            if any(n.startswith(p) and n[len(p):] in base | {norm(e['label'])} for p in pre if p):
                continue
            if n.startswith('中华人民共和国') or n in KNOWN:
                continue
            if any(depunct(n) == depunct(x) and depunct(n) != x for x in infix):
                continue
            if e['type'] == 'ExternalOrganization' and (n.startswith('中华') or n.startswith('中国共产')
                    or n.endswith('委员会') or n.endswith('联合会') or n == '人力资源和社会保障部'):
                print(f'  official {e["label"]} -> {f}')
                continue
            print(f'  ?? alias not in text: {e["type"]} {e["label"]} -> {f}')
            problems += 1
print('problems:', problems)
