// The echodup report page: reads the JSON data, renders the overview and
// the three paged lists, applies the search and filters, and opens a side
// by side. Every text from the corpus goes into the page through
// textContent (the `t` helper), never as markup.
(function () {
  'use strict';
  var checks = { errors: [], ready: false };
  function writeChecks() {
    var node = document.getElementById('echodup-checks');
    if (node) { node.textContent = JSON.stringify(checks); }
  }
  window.addEventListener('error', function (e) {
    checks.errors.push(String(e.message || e));
    writeChecks();
  });

  var D = JSON.parse(document.getElementById('echodup-data').textContent);
  var PER_PAGE = 20;
  D.blocks.forEach(function (b, i) { b.i = i; });
  D.shared.forEach(function (x, i) { x.i = i; });
  var state = { q: '', kind: 'all', min: 0, max: 1, open: null, a: 0, b: 1, cp: 0, bp: 0, sp: 0, focus: false, expand: false, keys: false };

  // ---- small helpers ----
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  function t(s) { return document.createTextNode(String(s)); }
  function num(n) { return Number(n).toLocaleString('en-US'); }
  function bytes(n) {
    var units = ['B', 'kB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
  }
  function pct(part, whole) { return whole ? (100 * part / whole).toFixed(1) + '%' : '0%'; }
  function sim(x) { return x === undefined || x === null ? '—' : Number(x).toFixed(3); }
  function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : many); }
  function doc(r) {
    var e = el('span', 'doc');
    var b = document.createElement('bdi');
    b.textContent = D.ids[r];
    e.appendChild(b);
    e.appendChild(t(' '));
    e.appendChild(el('span', 'pos', ['#' + D.positions[r]]));
    return e;
  }
  function textBlock(s) {
    var p = el('div', 'text');
    p.setAttribute('dir', 'auto');
    p.textContent = s;
    return p;
  }
  // The text of `s` from `start` to `end` with the parts inside `spans`
  // (sorted [start, end) pairs) in <mark class=cls>.
  function marked(s, start, end, spans, cls) {
    var f = document.createDocumentFragment();
    var at = start;
    spans.forEach(function (r) {
      var a = Math.max(r[0], start), b = Math.min(r[1], end);
      if (a >= b) { return; }
      if (a > at) { f.appendChild(t(s.slice(at, a))); }
      var m = el('mark', cls);
      m.textContent = s.slice(a, b);
      f.appendChild(m);
      at = b;
    });
    if (at < end) { f.appendChild(t(s.slice(at, end))); }
    return f;
  }

  // ---- overview ----
  function overview() {
    var o = D.overview, m = D.meta;
    var sub = [];
    if (m.source) { sub.push(m.source); }
    sub.push(plural(o.documents, 'document', 'documents') + ' (' + bytes(o.bytes) + ')');
    sub.push('echodup ' + m.version);
    $('subtitle').textContent = sub.join(' · ');
    var cards = el('div', 'cards');
    function card(value, label) { cards.appendChild(el('div', 'card', [el('b', '', [value]), label])); }
    card(num(o.documents), 'documents, ' + bytes(o.bytes));
    card(num(o.clusters), 'clusters of near-duplicate documents');
    card(num(o.duplicateDocuments), 'documents to drop (' + pct(o.duplicateDocuments, o.documents) + ')');
    card(num(o.sharedPassages), 'passages shared across documents');
    card(num(o.repeatedBlocks), 'repeated blocks inside documents (' + plural(o.repeats, 'repeat', 'repeats') + ')');
    var removed = o.droppedBytes + o.repeatBytes + o.sharedBytes;
    var table = el('table', 'removed');
    table.appendChild(el('caption', '', ['Bytes removed by each mechanism (echodup dedup --strip-passages)']));
    var head = el('tr', '', [el('th', '', ['mechanism']), el('th', 'num', ['bytes']), el('th', 'num', ['of the corpus'])]);
    table.appendChild(head);
    [['dropping duplicate documents', o.droppedBytes],
     ['stripping repeats inside documents', o.repeatBytes],
     ['stripping passages shared with earlier documents', o.sharedBytes],
     ['total', removed]].forEach(function (row) {
      table.appendChild(el('tr', '', [el('td', '', [row[0]]), el('td', 'num', [bytes(row[1])]), el('td', 'num', [pct(row[1], o.bytes)])]));
    });
    var box = $('overview-numbers');
    box.appendChild(cards);
    box.appendChild(table);
    var notes = [];
    notes.push('Kept copy of each cluster: ' + m.keep + '.');
    if (!o.passagesCompared) { notes.push('Passages were not compared in this run: no repeats or shared passages.'); }
    if (o.cappedBuckets > 0) { notes.push(num(o.cappedBuckets) + ' very large LSH buckets were compared as star and chain only.'); }
    box.appendChild(el('p', 'note', [notes.join(' ')]));
    var st = $('settings');
    D.settings.forEach(function (kv) { st.appendChild(el('tr', '', [el('th', '', [kv[0]]), el('td', '', [kv[1]])])); });
  }

  // ---- filters ----
  function idMatch(refs) {
    if (!state.q) { return true; }
    var q = state.q.toLowerCase();
    for (var i = 0; i < refs.length; i++) {
      if (D.ids[refs[i]].toLowerCase().indexOf(q) >= 0) { return true; }
    }
    return false;
  }
  function simMatch(lo, hi) {
    if (state.min <= 0 && state.max >= 1) { return true; }
    if (lo === undefined) { return false; }
    return lo >= state.min - 1e-9 && (hi === undefined ? lo : hi) <= state.max + 1e-9;
  }
  function clusterKind(c) {
    if (state.kind === 'all' || state.kind === 'cluster') { return true; }
    if (state.kind === 'identical') { return c.lo === 1 && !c.chained; }
    if (state.kind === 'near') { return c.lo === undefined || c.lo < 1 || !!c.chained; }
    return false;
  }
  function focused() { return state.focus && state.open !== null; }
  function filtered() {
    var k = state.kind;
    if (focused()) {
      return { clusters: D.clusters.filter(function (c) { return c.c === state.open; }), blocks: [], shared: [] };
    }
    return {
      clusters: D.clusters.filter(function (c) { return clusterKind(c) && simMatch(c.lo, c.hi) && idMatch(c.m); }),
      blocks: (k === 'all' || k === 'block') ? D.blocks.filter(function (b) { return simMatch(b.s) && idMatch([b.r]); }) : [],
      shared: (k === 'all' || k === 'passage') ? D.shared.filter(function (s) {
        return simMatch(s.lo) && idMatch(s.d.map(function (x) { return x[0]; }).concat(s.vr === undefined ? [] : [s.vr]));
      }) : []
    };
  }

  // ---- lists ----
  function pager(id, page, total, onPage) {
    var box = $(id);
    box.textContent = '';
    if (total === 0) { return; }
    var pages = Math.ceil(total / PER_PAGE);
    var prev = el('button', '', ['← Previous']);
    prev.type = 'button';
    prev.disabled = page <= 0;
    prev.addEventListener('click', function () { onPage(page - 1); });
    var next = el('button', '', ['Next →']);
    next.type = 'button';
    next.disabled = page >= pages - 1;
    next.addEventListener('click', function () { onPage(page + 1); });
    box.appendChild(prev);
    box.appendChild(t('page ' + (page + 1) + ' of ' + pages));
    box.appendChild(next);
  }
  function showList(name, items, page, render) {
    var list = $(name + '-list');
    list.textContent = '';
    var pages = Math.max(1, Math.ceil(items.length / PER_PAGE));
    page = Math.min(Math.max(0, page), pages - 1);
    items.slice(page * PER_PAGE, (page + 1) * PER_PAGE).forEach(function (it) { list.appendChild(render(it)); });
    return page;
  }
  function lazyDetails(summaryParts, fill, id) {
    var d = el('details');
    if (id) { d.id = id; }
    d.appendChild(el('summary', '', summaryParts));
    var filled = false;
    d.addEventListener('toggle', function () {
      if (d.open && !filled) {
        filled = true;
        var body = el('div', 'body');
        fill(body);
        d.appendChild(body);
      }
    });
    return d;
  }

  function clusterItem(c) {
    var parts = ['Cluster ' + c.c + ' · ' + plural(c.n, 'document', 'documents') + ' · kept: ', doc(c.k)];
    parts.push(' · similarity to kept ' + (c.lo === undefined ? '—' : (c.lo === c.hi ? sim(c.lo) : sim(c.lo) + '–' + sim(c.hi))));
    parts.push(' · ' + bytes(c.bytes) + ' to drop');
    var d = lazyDetails(parts, function (body) { clusterBody(c, body); }, 'cluster-' + c.c);
    d.dataset.cluster = c.c;
    d.addEventListener('toggle', function () {
      if (state.expand) { return; }
      if (d.open) { state.open = c.c; } else if (state.open === c.c) { state.open = null; }
      writeHash();
    });
    return d;
  }
  function clusterBody(c, body) {
    var det = D.details[String(c.c)];
    var table = el('table');
    table.appendChild(el('tr', '', [el('th', '', ['document']), el('th', '', ['']), el('th', 'num', ['Jaccard to kept'])]));
    c.m.forEach(function (r, i) {
      var badge = i === 0 ? el('span', 'badge keep', ['kept']) : el('span', 'badge drop', ['drop']);
      var s = c.s[i];
      var shown = i === 0 ? '—' : (s === null ? 'via other members' : sim(s));
      table.appendChild(el('tr', '', [el('td', '', [doc(r)]), el('td', '', [badge]), el('td', 'num', [shown])]));
    });
    body.appendChild(el('p', 'note', ['Kept: ' + D.meta.keep + '.' +
      (c.chained ? ' ' + plural(c.chained, 'member was', 'members were') + ' joined through other members, not directly to the kept one.' : '')]));
    body.appendChild(table);
    if (c.n > c.m.length) { body.appendChild(el('p', 'note', ['and ' + plural(c.n - c.m.length, 'more member', 'more members') + ' (echodup find --format clusters lists them all).'])); }
    if (det) {
      body.appendChild(compare(c, det));
    } else {
      body.appendChild(el('p', 'note', ['Texts are shown for the ' + num(D.meta.full) + ' largest clusters; this one is listed only.']));
    }
  }

  // The side by side of two members of a cluster shown in full.
  function compare(c, det) {
    var box = el('div', 'compare');
    box.id = 'compare-' + c.c;
    var pick = el('div', 'pick');
    function select(label, value) {
      var s = el('select');
      det.m.forEach(function (m, i) {
        var o = el('option', '', [(i === 0 ? 'kept: ' : '') + D.ids[m.r] + ' #' + D.positions[m.r]]);
        o.value = String(i);
        s.appendChild(o);
      });
      s.value = String(value);
      var l = el('label', '', [label + ' ', s]);
      pick.appendChild(l);
      return s;
    }
    var open = state.open === c.c;
    var a0 = open ? state.a : 0, b0 = open ? state.b : 1;
    if (a0 >= det.m.length) { a0 = 0; }
    if (b0 >= det.m.length || b0 === a0) { b0 = a0 === 0 ? 1 : 0; }
    var sa = select('Left', a0), sb = select('Right', b0);
    box.appendChild(el('h3', '', ['Side by side']));
    box.appendChild(pick);
    var view = el('div');
    box.appendChild(view);
    function draw() {
      var a = Number(sa.value), b = Number(sb.value);
      state.a = a; state.b = b;
      view.textContent = '';
      if (a === b) { view.appendChild(el('p', 'note', ['Choose two different members.'])); return; }
      view.appendChild(sideBySide(det, a, b));
      writeHash();
      update();
    }
    sa.addEventListener('change', draw);
    sb.addEventListener('change', draw);
    draw();
    return box;
  }
  function explanation(det, a, b) {
    for (var i = 0; i < det.x.length; i++) {
      var x = det.x[i];
      if (x.a === a && x.b === b) { return { s: x.s, sa: x.sa, sb: x.sb, pp: x.pp }; }
      if (x.a === b && x.b === a) {
        return { s: [x.s[0], x.s[2], x.s[1]], sa: x.sb, sb: x.sa,
          pp: x.pp.map(function (p) { return [p[1], p[0], p[2]]; }).sort(function (p, q) { return p[0] - q[0]; }) };
      }
    }
    return null;
  }
  function sideBySide(det, a, b) {
    var ra = det.m[a].r, rb = det.m[b].r;
    var ta = D.texts[ra], tb = D.texts[rb];
    var x = explanation(det, a, b);
    var f = el('div', 'sbs');
    var head = el('p', '', ['Jaccard ' + sim(x.s[0]) + ' · ' + pct(x.s[1], 1) + ' of left inside right · ' +
      pct(x.s[2], 1) + ' of right inside left. ']);
    head.appendChild(el('mark', 'shared', ['Shared text']));
    head.appendChild(t(' is highlighted; rows pair each left passage with the most similar right passage.'));
    f.appendChild(head);
    var grid = el('div', 'grid');
    function cell(tx, i, spans) {
      var div = el('div', 'cell');
      div.setAttribute('dir', 'auto');
      if (i === null) { div.className = 'none'; return div; }
      var p = tx.p.length ? tx.p[i] : [0, tx.t.length];
      div.appendChild(marked(tx.t, p[0], p[1], spans, 'shared'));
      return div;
    }
    function row(i, j, s) {
      grid.appendChild(cell(ta, i, x.sa));
      grid.appendChild(el('div', 'sim', [s === undefined ? '' : sim(s)]));
      grid.appendChild(cell(tb, j, x.sb));
    }
    var hl = el('div', 'h', [doc(ra)]), hm = el('div', 'h sim', ['J']), hr = el('div', 'h', [doc(rb)]);
    [hl, hm, hr].forEach(function (h) { grid.appendChild(h); });
    var na = Math.max(ta.p.length, 1), nb = Math.max(tb.p.length, 1);
    var best = {};
    x.pp.forEach(function (p) { if (p[0] < na && p[1] < nb) { best[p[0]] = p; } });
    var nextB = 0;
    for (var i = 0; i < na; i++) {
      var p = best[i];
      if (p && p[1] >= nextB) {
        for (; nextB < p[1]; nextB++) { row(null, nextB); }
        row(i, p[1], p[2]);
        nextB = p[1] + 1;
      } else if (p) {
        row(i, p[1], p[2]);
      } else {
        row(i, null);
      }
    }
    for (; nextB < nb; nextB++) { row(null, nextB); }
    f.appendChild(grid);
    [[ra, ta], [rb, tb]].forEach(function (d) {
      if (d[1].more) { f.appendChild(el('p', 'note', [D.ids[d[0]] + ': ' + bytes(d[1].more) + ' more text not shown.'])); }
    });
    return f;
  }

  function blockItem(b) {
    var parts = [doc(b.r), ' · passages ' + b.o[0] + '–' + (b.o[1] - 1) + ' repeated as ' + b.p[0] + '–' + (b.p[1] - 1) +
      ' · ' + bytes(b.bytes) + ' · similarity ' + sim(b.s)];
    return lazyDetails(parts, function (body) {
      if (!b.e) { body.appendChild(el('p', 'note', ['Text shown for the ' + num(200) + ' longest blocks only.'])); return; }
      var legend = el('p', 'legend', [el('mark', 'orig', ['earlier copy']), ' and ', el('mark', 'rep', ['its repeat']), ' in the document:']);
      body.appendChild(legend);
      var box = el('div', 'text');
      box.setAttribute('dir', 'auto');
      b.e.forEach(function (piece) {
        if (piece[1] === 'gap') { box.appendChild(el('span', 'gap', ['\n[… text between the copies not shown …]\n'])); return; }
        if (!piece[1]) { box.appendChild(t(piece[0])); return; }
        box.appendChild(el('mark', piece[1] === 'o' ? 'orig' : 'rep', [piece[0]]));
      });
      body.appendChild(box);
    }, 'block-' + b.i);
  }

  function sharedItem(s) {
    var head = s.t.length > 110 ? s.t.slice(0, 110) + '…' : s.t;
    var quote = document.createElement('bdi');
    quote.textContent = '“' + head.replace(/\s+/g, ' ') + '”';
    var parts = [(s.bp ? 'Boilerplate · ' : 'Shared content · ') + 'in ' + plural(s.nd, 'document', 'documents') + ' (' + plural(s.n, 'copy', 'copies') + ') · lowest similarity ' + sim(s.lo) + ' · ', quote];
    return lazyDetails(parts, function (body) {
      body.appendChild(el('p', '', ['First copy:']));
      body.appendChild(textBlock(s.t + (s.more ? '…' : '')));
      if (s.more) { body.appendChild(el('p', 'note', [bytes(s.more) + ' more in this passage.'])); }
      if (s.v !== undefined) {
        body.appendChild(el('p', '', ['Least similar copy, in ', doc(s.vr), ':']));
        body.appendChild(textBlock(s.v));
      }
      var list = el('p', '', ['Carried by ']);
      s.d.forEach(function (x, i) {
        if (i > 0) { list.appendChild(t(', ')); }
        list.appendChild(doc(x[0]));
        list.appendChild(t(' (passage ' + x[1] + ')'));
      });
      if (s.nd > s.d.length) { list.appendChild(t(' and ' + plural(s.nd - s.d.length, 'more document', 'more documents'))); }
      body.appendChild(list);
    }, 'shared-' + s.i);
  }

  // ---- state in the address ----
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (!h || h.indexOf('=') < 0) { return; }
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) { return; }
      var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (k === 'q' || k === 'kind') { state[k] = v; }
      if (k === 'min' || k === 'max' || k === 'a' || k === 'b' || k === 'cp' || k === 'bp' || k === 'sp') {
        var n = Number(v);
        if (isFinite(n)) { state[k] = n; }
      }
      if (k === 'open' && v !== '' && isFinite(Number(v))) { state.open = Number(v); }
      if (k === 'focus') { state.focus = v === '1'; }
      if (k === 'expand') { state.expand = v === '1'; }
      if (k === 'keys') { state.keys = v === '1'; }
    });
  }
  var hashReady = false;
  function writeHash() {
    if (!hashReady) { return; }
    var parts = [];
    if (state.q) { parts.push('q=' + encodeURIComponent(state.q)); }
    if (state.kind !== 'all') { parts.push('kind=' + state.kind); }
    if (state.min > 0) { parts.push('min=' + state.min); }
    if (state.max < 1) { parts.push('max=' + state.max); }
    if (state.open !== null) { parts.push('open=' + state.open, 'a=' + state.a, 'b=' + state.b); }
    if (focused()) { parts.push('focus=1'); }
    if (state.expand) { parts.push('expand=1'); }
    ['cp', 'bp', 'sp'].forEach(function (k) { if (state[k] > 0) { parts.push(k + '=' + state[k]); } });
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }

  // ---- rendering ----
  var last = null;
  function render() {
    var f = filtered();
    last = f;
    if (state.open !== null) {
      for (var i = 0; i < f.clusters.length; i++) {
        if (f.clusters[i].c === state.open) { state.cp = Math.floor(i / PER_PAGE); break; }
      }
    }
    state.cp = showList('clusters', f.clusters, state.cp, clusterItem);
    pager('clusters-pager', state.cp, f.clusters.length, function (p) { state.cp = p; render(); });
    state.bp = showList('blocks', f.blocks, state.bp, blockItem);
    pager('blocks-pager', state.bp, f.blocks.length, function (p) { state.bp = p; render(); });
    state.sp = showList('shared', f.shared, state.sp, sharedItem);
    pager('shared-pager', state.sp, f.shared.length, function (p) { state.sp = p; render(); });
    notes(f);
    if (state.open !== null) {
      var d = document.getElementById('cluster-' + state.open);
      if (d && !d.open) {
        var keep = { a: state.a, b: state.b };
        d.open = true;
        // The toggle event fills the body; fill it now so it can be read.
        d.dispatchEvent(new Event('toggle'));
        state.a = keep.a; state.b = keep.b;
      }
    }
    if (state.expand) {
      // Every finding on the pages shown, opened (expand=1: for printing).
      document.querySelectorAll('.list > details:not([open])').forEach(function (d) {
        d.open = true;
        d.dispatchEvent(new Event('toggle'));
      });
    }
    writeHash();
    update();
  }
  function notes(f) {
    var o = D.omitted;
    function note(id, shown, total, listed, omitted, noun, more) {
      var s = shown + ' of ' + plural(listed, noun, noun + 's') + ' match.';
      if (omitted > 0) { s += ' ' + plural(omitted, 'more ' + noun + ' is', 'more ' + noun + 's are') + ' not in this page (size bound ' + bytes(D.meta.maxBytes) + '); ' + more; }
      if (total === 0) { s = 'None found.'; }
      $(id).textContent = s;
    }
    note('clusters-note', num(f.clusters.length), D.overview.clusters, D.clusters.length, o.clusters, 'cluster',
      'echodup find --format clusters lists every one.');
    note('blocks-note', num(f.blocks.length), D.overview.repeatedBlocks, D.blocks.length, o.blocks, 'block',
      'echodup find --level passage lists every repeat.');
    note('shared-note', num(f.shared.length), D.overview.sharedPassages, D.shared.length, o.shared, 'passage',
      'echodup find --level passage lists every one.');
    $('status').textContent = plural(f.clusters.length, 'cluster', 'clusters') + ', ' + plural(f.blocks.length, 'block', 'blocks') +
      ', ' + plural(f.shared.length, 'shared passage', 'shared passages') + ' match';
    $('overview').hidden = focused();
    $('focus-bar').hidden = !focused();
    $('clusters').hidden = !focused() && !(state.kind === 'all' || state.kind === 'cluster' || state.kind === 'identical' || state.kind === 'near');
    $('blocks').hidden = focused() || !(state.kind === 'all' || state.kind === 'block');
    $('shared').hidden = focused() || !(state.kind === 'all' || state.kind === 'passage');
  }
  // The lowest contrast between text and its background over the page's
  // kinds of text (WCAG 2 relative luminance), for the tests.
  function rgba(css) {
    var m = /rgba?\(([^)]*)\)/.exec(css);
    if (!m) { return [0, 0, 0, 0]; }
    var v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  }
  function luminance(c) {
    var l = c.slice(0, 3).map(function (x) {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  function contrast() {
    var kinds = ['body', 'header h1', 'header p', 'header nav a', '#toolbar label', '#status', 'h2', '.note', '.card',
      'th', 'td', 'summary', '.pos', 'mark.shared', 'mark.orig', 'mark.rep', '.badge.keep', '.badge.drop', '.grid > .sim',
      '.grid > .cell', 'button', 'select', 'kbd', 'footer', '.gap'];
    var worst = { ratio: 21, what: '' };
    kinds.forEach(function (sel) {
      var e = document.querySelector(sel);
      if (!e || e.offsetParent === null && sel !== 'body') { return; }
      var fg = rgba(getComputedStyle(e).color), bg = [255, 255, 255, 0];
      for (var n = e; n && n.nodeType === 1; n = n.parentElement) {
        var b = rgba(getComputedStyle(n).backgroundColor);
        if (b[3] > 0) { bg = b; break; }
      }
      var a = luminance(fg), b2 = luminance(bg[3] > 0 ? bg : [255, 255, 255]);
      var ratio = (Math.max(a, b2) + 0.05) / (Math.min(a, b2) + 0.05);
      if (ratio < worst.ratio) { worst = { ratio: Math.round(ratio * 100) / 100, what: sel }; }
    });
    return worst;
  }
  // keys=1: presses the page's keys (synthetic events) and records where the
  // focus went, for the tests.
  function pressKeys() {
    var seen = [];
    function press(key, target) {
      (target || document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', { key: key, bubbles: true }));
      var a = document.activeElement;
      var what = a ? (a.id || a.tagName.toLowerCase()) : '';
      if (a && a.tagName === 'SUMMARY' && a.parentElement.id) { what += '#' + a.parentElement.id; }
      seen.push(key + ':' + what);
    }
    document.body.focus();
    press('/', document.body);
    press('Escape');
    document.activeElement.blur();
    press('j', document.body);
    press('j');
    press('k');
    return seen;
  }

  // What a test reads back: counts as rendered in the page.
  function update() {
    var q = function (s) { return document.querySelectorAll(s).length; };
    checks.ready = true;
    checks.state = { q: state.q, kind: state.kind, min: state.min, max: state.max, open: state.open, a: state.a, b: state.b };
    checks.matching = last ? { clusters: last.clusters.length, blocks: last.blocks.length, shared: last.shared.length } : null;
    checks.shown = { clusters: q('#clusters-list > details'), blocks: q('#blocks-list > details'), shared: q('#shared-list > details') };
    checks.marks = { shared: q('mark.shared'), orig: q('mark.orig'), rep: q('mark.rep') };
    checks.compare = q('.compare .grid');
    checks.rows = q('.compare .grid > .cell') + q('.compare .grid > .none');
    checks.overviewCards = q('#overview-numbers .card');
    checks.pwned = !!document.body.dataset.pwned;
    checks.overflowX = document.documentElement.scrollWidth > window.innerWidth + 1;
    checks.contrast = contrast();
    checks.hidden = ['overview', 'clusters', 'blocks', 'shared'].filter(function (s) { return $(s).hidden; });
    writeChecks();
  }

  // ---- controls and keys ----
  function controls() {
    var q = $('q'), kind = $('kind'), min = $('min'), max = $('max');
    q.value = state.q; kind.value = state.kind; min.value = state.min; max.value = state.max;
    function apply() {
      state.q = q.value.trim();
      state.kind = kind.value;
      var lo = Number(min.value), hi = Number(max.value);
      state.min = isFinite(lo) ? lo : 0;
      state.max = isFinite(hi) ? hi : 1;
      state.cp = state.bp = state.sp = 0;
      state.open = null;
      state.focus = false;
      render();
    }
    // Typing waits for a pause before filtering a large report.
    var timer = null;
    q.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(apply, D.clusters.length + D.shared.length > 20000 ? 250 : 0);
    });
    [kind, min, max].forEach(function (c) { c.addEventListener('change', apply); });
    $('toolbar').addEventListener('submit', function (e) { e.preventDefault(); apply(); });
    $('unfocus').addEventListener('click', function () { state.focus = false; render(); });
    $('reset').addEventListener('click', function () {
      q.value = ''; kind.value = 'all'; min.value = 0; max.value = 1; apply();
    });
    document.addEventListener('keydown', function (e) {
      var tag = (e.target && e.target.tagName) || '';
      var typing = tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA';
      if (e.key === 'Escape' && e.target === q) { q.value = ''; apply(); return; }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === '/') { e.preventDefault(); q.focus(); return; }
      if (e.key === 'j' || e.key === 'k') {
        var all = Array.prototype.slice.call(document.querySelectorAll('.list > details > summary'))
          .filter(function (s) { return s.offsetParent !== null; });
        if (!all.length) { return; }
        var i = all.indexOf(document.activeElement);
        i = e.key === 'j' ? Math.min(all.length - 1, i + 1) : Math.max(0, i - 1);
        all[i].focus();
        e.preventDefault();
      }
    });
  }

  readHash();
  overview();
  controls();
  render();
  hashReady = true;
  writeHash();
  // A linked cluster is scrolled to, unless it is shown alone (focus=1).
  if (state.open !== null && !focused()) {
    var target = document.getElementById('compare-' + state.open) || document.getElementById('cluster-' + state.open);
    if (target) { target.scrollIntoView(); }
  }
  if (state.keys) { checks.keys = pressKeys(); }
  update();
})();
