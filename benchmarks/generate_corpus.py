"""Write a synthetic corpus in the seeds' genres, for the build benchmarks (run by hand).

    python benchmarks/generate_corpus.py N OUT_DIR [--seed S] [--chars 2500]

Writes ``N`` UTF-8 ``.txt`` documents of about ``--chars`` characters each (``000000_<hash>.txt``
...), the same files for the same ``N`` and seed.  Each document is one of the genres found in
``seeds/`` and ``tests/data/unseen/``:

* ``feature``: a news feature about a bureau's 精神文明创建, with years, 荣获 / 被评为 /
  被 X 授予 lists over the bureau, its sub-offices and their departments, and programmes
  (“…”活动, 志愿服务队, 道德讲堂);
* ``decision``: a 表彰决定 with its document number, 授予 lists of units and of persons
  with their unit in brackets, and honours received from outside bodies;
* ``disclosure``: a 政府信息公开工作年度报告 with counts, 《…措施》 and quoted columns;
* ``system``: a 海关系统 round-up naming several bureaus and what each did.

Bureaus, awarding bodies, regions, honour-title cores, programme heads, department words and
surnames are drawn from ``kg/data/lexicon``; sub-office place names, programme themes and
the sentence templates live here.  Filler sentences bring each document to its length, as
the real documents carry long stretches of prose without facts.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.lexicon import Lexicon, load_lexicon

PLACES = ("机场", "新港", "东港", "西港", "北港", "南港", "保税区", "开发区", "高新区", "临港", "空港", "陆港", "邮局", "车站",
          "港区", "综合保税区", "经济开发区", "出口加工区", "额尔古纳", "二连", "镇江", "张家港", "太仓", "昆山", "常熟", "江阴", "东兴",
          "凭祥", "水口", "钦州港", "北海", "防城", "瑞丽", "河口", "畹町", "磨憨", "腾冲", "新塘", "长安", "沙田", "常平",
          "南沙", "番禺", "花都", "从化", "增城", "蛇口", "皇岗", "文锦渡", "沙头角", "大鹏", "横琴", "九洲", "斗门", "湾仔",
          "洋山", "外高桥", "浦东", "吴淞", "金山", "宝山", "北仑", "大榭", "梅山", "舟山", "温州", "嘉兴", "义乌", "黄岛",
          "胶州", "威海", "烟台", "日照", "龙口", "丹东", "营口", "锦州", "大窑湾", "金州", "绥芬河", "黑河", "同江", "东宁",
          "珲春", "图们", "集安", "霍尔果斯", "阿拉山口", "喀什", "伊宁", "塔城", "樟木", "吉隆")
UNIT_PREFIXES = ("查验", "通关", "综合业务", "监管", "旅检", "物流监控", "稽查", "关税", "法规", "企业管理", "货运", "保税监管",
                 "卫生检疫", "动植物检疫", "缉私")
UNIT_NUMBERS = ("", "", "一", "二", "三")
THEMES = ("亮窗", "关企共建", "阳光通关", "智慧旅检", "青春建功", "国门卫士", "文明窗口", "诚信守法", "红色关徽", "清风", "廉洁家风",
          "书香海关", "关爱老兵", "爱心助学", "绿色通关", "便民服务", "微笑服务", "国门讲堂", "青年大学习", "党建引领", "强边固防", "平安口岸",
          "护苗", "净网", "蓝天", "守护国门", "通关小课堂", "银龄关爱", "琴澳同心", "关地共建", "一站式服务", "互联网+海关", "单一窗口",
          "提前申报", "两步申报", "智慧监管", "舱单管理", "跨境电商服务", "关长接待日", "企业问题清零", "榜样的力量", "我为群众办实事", "对话关员",
          "海关开放日", "知识产权保护", "安全生产月", "读书月", "道德讲堂", "青年理论学习", "巾帼建功", "先锋岗", "党员示范", "红旗手")
PROG_VERBS = ("开展", "组织开展", "举办", "推出", "启动", "成立", "打造", "实施", "建立")
GIVEN = "伟立志明秀英家俊丽萍晓薇俊杰志坚建华海燕国庆春梅晓东振华文博雪梅宏伟欣怡子涵"
REPORT_TOPICS = ("外贸稳增长", "跨境电商发展", "口岸营商环境优化", "中欧班列发展", "自贸试验区建设",
                 "加工贸易转型", "综合保税区发展", "农产品出口")

FILLER = (
    ("{bureau}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神，"
     "统筹做好口岸监管和促进外贸稳增长各项工作。"),
    ("全关广大干部职工立足岗位、担当作为，全年监管进出口货值{n}亿元，征收税款{m}亿元，"
     "主要业务指标保持平稳增长。"),
    ("{bureau}把精神文明创建与业务工作同部署、同推进、同考核，形成了领导带头、部门协同、"
     "全员参与的工作格局。"),
    ("围绕口岸通关便利化，{bureau}持续压缩进出口整体通关时间，进口整体通关时间较上年压缩"
     "{p}%，企业获得感和满意度不断提升。"),
    ("该关注重发挥典型示范作用，通过专题报告会、事迹展览、网站专栏等形式，"
     "宣传身边的先进人物和感人事迹。"),
    "广大关员积极投身志愿服务，累计开展各类志愿服务活动{n}余场次，服务群众超过{m}万人次。",
    ("面向未来，{bureau}将进一步深化文明创建，以更高标准打造“文明关区”，"
     "为地方经济社会发展贡献海关力量。"),
    "{bureau}深入推进全面从严治党，压紧压实管党治党政治责任，营造风清气正的良好政治生态。",
    ("依托关区文体协会开展集趣味性、竞技性、群众性于一体的文化体育活动，"
     "丰富干部职工业余文化生活。"),
    "{year}年，该关共受理企业咨询{n}余次，办结率达到百分之百，未发生有效投诉。",
    "各隶属海关结合自身实际，因地制宜开展创建工作，涌现出一批业务过硬、作风优良的先进集体。",
    ("该关坚持把群众满意作为检验工作成效的根本标准，广泛听取企业和旅客意见建议，"
     "及时回应社会关切。"),
    "通过张贴公益广告、电子滚动屏等形式，倡导节能环保、勤俭节约、绿色出行，培育良好道德风尚。",
    "关领导班子带头深入一线调研，与各层级干部面对面交流，帮助基层解决实际困难{n}件。",
    "{bureau}严厉打击走私违法活动，全年立案侦办走私犯罪案件{n}起，案值{m}亿元。",
    "口岸疫情防控期间，一线关员坚守岗位、日夜奋战，筑牢口岸检疫防线。",
)


@dataclass(frozen=True)
class Pools:
    """Everything the templates draw from, read once from the lexicon."""

    bureaus: tuple[str, ...]
    awarders: tuple[str, ...]
    regions: tuple[str, ...]
    collective: tuple[str, ...]
    individual: tuple[str, ...]
    heads: tuple[str, ...]
    departments: tuple[str, ...]
    surnames: tuple[str, ...]

    @classmethod
    def from_lexicon(cls, lex: Lexicon) -> Pools:
        """The pools of the kg lexicon."""
        cores = sorted(lex.honour_cores.items())
        return cls(
            bureaus=tuple(sorted(n for n, e in lex.orgs.items()
                                 if e.cls == "Bureau" and n == e.canonical)),
            awarders=tuple(sorted(n for n, e in lex.orgs.items() if e.cls == "ExternalOrganization"
                                  and n == e.canonical and not e.political)),
            regions=tuple(sorted(r.name for r in lex.regions)),
            collective=tuple(c for c, k in cores if k in ("collective", "both") and len(c) >= 3),
            individual=tuple(c for c, k in cores if k in ("individual", "both") and len(c) >= 3),
            heads=tuple(sorted(h for h, quoted_only in lex.programme_heads.items()
                               if not quoted_only and len(h) >= 2)),
            departments=tuple(sorted(w for w in lex.department_words if len(w) >= 2)),
            surnames=tuple(sorted(s for s in lex.surnames if len(s) == 1)),
        )


class Writer:
    """Draws the parts of one document."""

    def __init__(self, pools: Pools, rnd: random.Random) -> None:
        self.p, self.r = pools, rnd
        self.bureau = rnd.choice(pools.bureaus)
        self.region = rnd.choice(pools.regions)
        self.offices = [self.office() for _ in range(rnd.randint(2, 5))]
        self.deck: list[str] = []

    def office(self) -> str:
        place = self.r.choice(PLACES)
        return f"驻{place}办事处" if self.r.random() < 0.15 else f"{place}海关"

    def unit(self) -> str:
        if self.r.random() < 0.4:
            return self.r.choice(self.p.departments)
        return self.r.choice(UNIT_PREFIXES) + self.r.choice(UNIT_NUMBERS) + "科"

    def year(self) -> int:
        return self.r.randint(2000, 2023)

    def honour(self, individual: bool = False) -> str:
        core = self.r.choice(self.p.individual if individual else self.p.collective)
        scope = self.r.choice(("全国", "全国海关", "海关系统全国", self.region, self.region,
                               f"{self.bureau}"))
        return scope + core

    def person(self) -> str:
        size = 1 if self.r.random() < 0.5 else 2
        return self.r.choice(self.p.surnames) + "".join(self.r.choice(GIVEN) for _ in range(size))

    def programme(self) -> str:
        theme = self.r.choice(THEMES)
        if self.r.random() < 0.5:
            return f"“{theme}”" + self.r.choice(("活动", "主题活动", "专项行动", "志愿服务队"))
        return theme + self.r.choice(self.p.heads)

    def filler(self) -> str:
        if not self.deck:  # each filler once before any repeats
            self.deck = self.r.sample(FILLER, len(FILLER))
        template = self.deck.pop()
        return template.format(bureau=self.bureau, year=self.year(), n=self.r.randint(12, 980),
                               m=self.r.randint(2, 90), p=self.r.randint(5, 40))

    def recipient(self) -> str:
        choice = self.r.random()
        if choice < 0.3:
            return self.bureau
        office = self.r.choice(self.offices)
        return office if choice < 0.65 else office + self.unit()


def feature(w: Writer) -> list[str]:
    """A news feature: a headline, an honours paragraph, programme paragraphs."""
    r, b = w.r, w.bureau
    y = sorted(w.year() for _ in range(5))
    honours = (f"{y[0]}年以来，{b}连续荣获“{w.honour()}”称号，{y[1]}年被评为“{w.honour()}”，"
               f"{y[2]}年被{r.choice(w.p.awarders)}授予“{w.honour()}”称号。"
               f"{y[3]}年，{b}(机关)、隶属{w.offices[0]}被评为第{r.choice('二三四五六')}届"
               f"“{w.honour()}”。{y[4]}年，{w.recipient()}荣获“{w.honour()}”称号。")
    paras = [f"{b}{r.choice(('真抓实干 不断标注精神文明创建新高度', '：党建引领促发展 凝心聚力强担当', '扎实推进文明创建工作', '以文明创建助推口岸高质量发展'))}",
             f"{b}认真落实海关总署、{w.region}关于精神文明创建工作的各项部署。" + honours]
    for _ in range(r.randint(2, 4)):
        prog = w.programme()
        paras.append(f"{r.randint(2005, 2022)}年，{w.recipient()}{r.choice(PROG_VERBS)}{prog}，"
                     f"组织关员{r.randint(20, 900)}余人次参加。{w.filler()}"
                     f"{w.recipient()}被{r.choice(w.p.awarders)}授予“{w.honour()}”称号。")
    return paras


def decision(w: Writer) -> list[str]:
    """A 表彰决定: number, addressees, outside honours, 授予 lists of units and persons."""
    r, b, y = w.r, w.bureau, w.year()
    units = [w.recipient() for _ in range(r.randint(3, 6))]
    people = [f"{w.person()}（{w.r.choice(w.offices)}）" for _ in range(r.randint(2, 5))]
    outside = "；".join(f"{w.recipient()}被{r.choice(w.p.awarders)}授予“{w.honour()}”称号"
                       for _ in range(r.randint(2, 3)))
    return [f"{b}关于表彰{y}年度先进集体和先进个人的决定",
            f"{b[:-2]}关发〔{y + 1}〕{r.randint(1, 60)}号",
            "各隶属海关，关内各部门，缉私局：",
            f"{y}年，在海关总署党委和{b}党委的坚强领导下，全关广大干部职工{w.filler()}",
            f"一年来，全关涌现出一批政治坚定、业务过硬、作风优良的先进典型。{outside}。",
            "为表彰先进、树立典型，经关党委研究，决定：",
            f"一、授予{'、'.join(units)}等{len(units)}个集体“{b}先进集体”称号；",
            f"二、授予{'、'.join(people)}等{len(people)}名同志“{b}先进工作者”称号。",
            "希望受到表彰的先进集体和先进个人珍惜荣誉、戒骄戒躁，再创佳绩。",
            f"{b}", f"{y + 1}年{r.randint(1, 12)}月{r.randint(1, 28)}日"]


def disclosure(w: Writer) -> list[str]:
    """A 政府信息公开工作年度报告 with counts, a 《…措施》 and a quoted column."""
    r, b, y = w.r, w.bureau, w.year()
    n = r.choice("十二三五六八") + "条"
    return [f"{b}{y}年政府信息公开工作年度报告",
            (f"本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告中所列数据的统计期限"
             f"自{y}年1月1日起至{y}年12月31日止。"),
            "一、总体情况",
            (f"{y}年，{b}（以下简称“本关”）坚持以公开为常态、不公开为例外，扎实推进政府信息公开"
             f"工作。全年通过门户网站主动公开政府信息{r.randint(300, 2000)}条。及时发布《{b}促进"
             f"{r.choice(REPORT_TOPICS)}{n}措施》。创新开设“{r.choice(THEMES)}”专栏，"
             f"全年发布{r.randint(10, 90)}期。"),
            f"全年共收到政府信息公开申请{r.randint(3, 40)}件，均在法定期限内答复完毕。",
            f"{y}年，{w.recipient()}被评为“{w.honour()}”，本关{w.unit()}获评“{w.honour()}”。"]


def system(w: Writer) -> list[str]:
    """A 海关系统 round-up: several bureaus and what each did."""
    r, y = w.r, w.year()
    lines = ["海关系统以制度建设为着力点加强行业作风建设", f"来源:海关总署网 更新时间:{y}-0{r.randint(1, 9)}-1{r.randint(0, 9)}"]
    for _ in range(r.randint(3, 5)):
        other = r.choice(w.p.bureaus)
        lines.append(f"{y}年，{other}{r.choice(PROG_VERBS)}了{w.programme()}，"
                     f"{other}所属{w.office()}被{r.choice(w.p.awarders)}评为“{w.honour()}”。")
    return lines


GENRES = (feature, feature, decision, disclosure, system)


def document(pools: Pools, rnd: random.Random, chars: int) -> str:
    """One document of about ``chars`` characters."""
    w = Writer(pools, rnd)
    paras = rnd.choice(GENRES)(w)
    head, body = paras[:2], paras[2:]
    size = sum(map(len, paras))
    while size < chars:
        filler = "".join(w.filler() for _ in range(rnd.randint(2, 4)))
        body.insert(rnd.randint(0, len(body)), filler)
        size += len(filler)
    return "\n\n".join(head + body) + "\n"


def generate(count: int, out_dir: Path, seed: int = 1, chars: int = 2500) -> list[Path]:
    """Write ``count`` documents into ``out_dir`` (created); returns their paths."""
    pools = Pools.from_lexicon(load_lexicon())
    rnd = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(count):
        text = document(pools, rnd, chars)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        path = out_dir / f"{number:06d}_{digest}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("count", type=int, help="number of documents")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chars", type=int, default=2500, help="characters per document")
    args = parser.parse_args()
    paths = generate(args.count, args.out_dir, args.seed, args.chars)
    total = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"wrote {len(paths)} documents, {total:,} characters, into {args.out_dir}")


if __name__ == "__main__":
    main()
