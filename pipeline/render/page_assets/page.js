// The page's only script: it reads the papers from the JSON block, keeps the search and the filters
// in the address's #fragment, and builds every row with createElement and textContent, never with
// HTML strings, so no title or summary can become markup.
(function () {
  'use strict';
  performance.mark('page:start');
  var FIRST = 50;          // rows drawn at once; the rest come in chunks as the reader scrolls
  var CHUNK = 200;
  var DEBOUNCE_MS = 120;   // typing: filter once the reader pauses
  var KEYS = ['q', 'section', 'tag', 'venue', 'from', 'to', 'oa', 'sort'];
  var TAG_OF = {b: 'strong', i: 'em', code: 'code'};

  var data = JSON.parse(document.getElementById('papers-data').textContent);
  var papers = data.papers;
  var byId = function (id) { return document.getElementById(id); };
  var form = byId('filters'), q = byId('q'), results = byId('results'), status = byId('status');
  var more = byId('more'), share = byId('share');
  var selects = {section: byId('section'), tag: byId('tag'), venue: byId('venue'),
                 from: byId('from'), to: byId('to'), oa: byId('oa'), sort: byId('sort')};

  function fold(text) {
    // ASCII (most text) has no accents to drop: skip the costly normalisation.
    return (/[^\x00-\x7f]/.test(text) ? text.normalize('NFKD').replace(/\p{M}+/gu, '') : text).toLowerCase();
  }
  function runText(run) { return typeof run === 'string' ? run : run[1]; }

  // Search strings are made once, when the first query needs them or the browser is idle after the
  // first render: title, authors, venue and summary, accents folded.
  var hay = null;
  function searchStrings() {
    if (!hay) {
      hay = papers.map(function (p) {
        return fold([p.title, (p.authors || []).join(' '), p.venue || '', p.venueFull || '',
                     (p.summary || []).map(runText).join('')].join('\n'));
      });
    }
    return hay;
  }
  var bibtex = null;   // decoded when a reader first opens an entry
  function bibtexOf(i) {
    bibtex = bibtex || JSON.parse(document.getElementById('papers-bibtex').textContent);
    return bibtex[i] || '';
  }

  // A section filter covers its sub-sections too: each section knows itself and its ancestors
  // (sections come depth-first, so a parent is always seen before its children).
  var up = {};
  data.sections.forEach(function (s) { up[s.key] = [s.key].concat(s.parent && up[s.parent] || []); });
  function within(p, section) {
    return (p.sections || []).some(function (k) { return up[k] && up[k].indexOf(section) >= 0; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }
  function option(select, value, label) {
    var o = el('option', '', label);
    o.value = value;
    select.appendChild(o);
  }
  function count(values) {
    var n = {};
    values.forEach(function (v) { n[v] = (n[v] || 0) + 1; });
    return n;
  }
  var collator = new Intl.Collator('en', {sensitivity: 'base', numeric: true});
  function byName(a, b) { return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0); }

  // --- the filter controls, filled from the data ---------------------------------------------------
  var inSection = count([].concat.apply([], papers.map(function (p) {
    var keys = {};
    (p.sections || []).forEach(function (k) { (up[k] || []).forEach(function (s) { keys[s] = 1; }); });
    return Object.keys(keys);
  })));
  data.sections.forEach(function (s) {
    if (inSection[s.key]) {
      option(selects.section, s.key, '\u00a0\u00a0'.repeat(s.depth - 1) + s.name + ' (' + inSection[s.key] + ')');
    }
  });
  var tags = count([].concat.apply([], papers.map(function (p) { return p.tags || []; })));
  Object.keys(tags).sort(byName).forEach(function (t) { option(selects.tag, t, t + ' (' + tags[t] + ')'); });
  var venues = count(papers.filter(function (p) { return p.venue; }).map(function (p) { return p.venue; }));
  Object.keys(venues).sort(byName).forEach(function (v) { option(selects.venue, v, v + ' (' + venues[v] + ')'); });
  var years = Object.keys(count(papers.filter(function (p) { return p.year; }).map(function (p) { return p.year; })))
    .map(Number).sort(function (a, b) { return a - b; });
  years.forEach(function (y) { option(selects.from, String(y), String(y)); option(selects.to, String(y), String(y)); });

  // --- orders ---------------------------------------------------------------------------------------
  var orders = {};
  function order(name) {
    if (!orders[name]) {
      var idx = papers.map(function (_, i) { return i; });
      var year = function (i) { return papers[i].year || 0; };
      if (name === 'new') { idx.sort(function (a, b) { return year(b) - year(a) || a - b; }); }
      if (name === 'old') { idx.sort(function (a, b) { return (year(a) || 1e9) - (year(b) || 1e9) || a - b; }); }
      if (name === 'title') { idx.sort(function (a, b) { return byName(papers[a].title, papers[b].title) || a - b; }); }
      // Most cited first; a paper with no known count after every counted one, in list order.
      var cited = function (i) { return typeof papers[i].citations === 'number' ? papers[i].citations : -1; };
      if (name === 'cited') { idx.sort(function (a, b) { return cited(b) - cited(a) || a - b; }); }
      orders[name] = idx;
    }
    return orders[name];
  }

  // --- state: the controls <-> the #fragment ----------------------------------------------------------
  function readState() {
    var state = {q: q.value.trim()};
    Object.keys(selects).forEach(function (k) { state[k] = selects[k].value; });
    return state;
  }
  function writeState(state) {
    q.value = state.q || '';
    Object.keys(selects).forEach(function (k) {
      var select = selects[k];
      select.value = state[k] || '';
      if (select.value !== (state[k] || '')) { select.value = ''; }   // unknown in this list
    });
  }
  function fragment(state) {
    var params = new URLSearchParams();
    KEYS.forEach(function (k) { if (state[k]) { params.set(k, state[k]); } });
    return params.toString();
  }
  function stateFromAddress() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var state = {};
    KEYS.forEach(function (k) { state[k] = params.get(k) || ''; });
    return state;
  }

  // --- filtering ---------------------------------------------------------------------------------------
  function matcher(state) {
    var terms = fold(state.q).split(/\s+/).filter(Boolean);
    var hay = terms.length ? searchStrings() : null;
    var section = state.section && up[state.section] ? state.section : '';
    var from = state.from ? Number(state.from) : null, to = state.to ? Number(state.to) : null;
    return function (i) {
      var p = papers[i];
      if (state.venue && p.venue !== state.venue) { return false; }
      if (state.tag && (!p.tags || p.tags.indexOf(state.tag) < 0)) { return false; }
      if (state.oa && !p.open) { return false; }
      if (from !== null && !(p.year >= from)) { return false; }
      if (to !== null && !(p.year <= to)) { return false; }
      if (section && !within(p, section)) { return false; }
      for (var t = 0; t < terms.length; t++) {
        if (hay[i].indexOf(terms[t]) < 0) { return false; }
      }
      return true;
    };
  }

  // --- rows --------------------------------------------------------------------------------------------
  var reviewBase = (function () {
    var host = /^([^.]+)\.github\.io$/i.exec(location.hostname);
    if (location.protocol === 'https:' && host) {
      var first = location.pathname.split('/').filter(Boolean)[0];
      var repo = first && !/\.html?$/i.test(first) ? first : host[1] + '.github.io';
      return 'https://github.com/' + host[1] + '/' + repo + '/blob/HEAD/';
    }
    return '../';   // docs/index.html opened from a clone: reviews/ is beside docs/
  }());
  function web(url) { return /^https?:\/\//i.test(url || '') ? url : ''; }
  function link(href, text, label) {
    var a = el('a', '', text);
    a.href = href;
    if (label) { a.setAttribute('aria-label', label); }
    return a;
  }
  function chip(kind, value, label) {
    var b = el('button', 'chip ' + kind, label);
    b.type = 'button';
    b.dataset.kind = kind;
    b.dataset.value = value;
    b.title = 'Show only ' + (kind === 'tag' ? 'tag ' : 'section ') + label;
    return b;
  }
  var sectionName = {};   // a sub-section's chip names its parents too: "Testing › Fuzzing"
  data.sections.forEach(function (s) {
    sectionName[s.key] = (s.parent && sectionName[s.parent] ? sectionName[s.parent] + ' \u203a ' : '') + s.name;
  });

  function row(i) {
    var p = papers[i];
    var li = el('li', 'paper');
    li.dataset.key = p.key;
    var h = el('h2', 'title'), url = web(p.url);
    h.appendChild(url ? link(url, p.title) : el('span', '', p.title));
    if (p.retracted) { h.appendChild(el('span', 'badge retracted', 'Retracted')); }
    if (p.archived) { h.appendChild(el('span', 'badge archived', 'Archived copy')); }
    if (web(p.pdf)) { h.appendChild(document.createTextNode(' ')); h.appendChild(link(web(p.pdf), 'PDF', 'Open-access copy of ' + p.title)); }
    li.appendChild(h);
    var meta = el('p', 'meta');
    if (p.authors && p.authors.length) {
      var names = p.authors.length > 12 ? p.authors.slice(0, 12).join(', ') + ' et al.' : p.authors.join(', ');
      meta.appendChild(el('span', 'authors', names));
    }
    var venue = [p.venue, p.year].filter(Boolean).join(' ');
    if (venue) {
      var v = el('span', 'venue', venue);
      if (p.venueFull) { v.title = p.venueFull; }
      meta.appendChild(v);
    }
    if (p.note) { meta.appendChild(el('span', 'note', p.note)); }
    if (meta.firstChild) { li.appendChild(meta); }
    if (p.summary && p.summary.length) {
      var summary = el('p', 'summary');
      p.summary.forEach(function (run) {
        summary.appendChild(typeof run === 'string' ? document.createTextNode(run)
          : el(TAG_OF[run[0]] || 'span', '', run[1]));
      });
      li.appendChild(summary);
    }
    var chips = el('p', 'chips');
    (p.tags || []).forEach(function (t) { chips.appendChild(chip('tag', t, t)); });
    (p.sections || []).forEach(function (k) { chips.appendChild(chip('section', k, sectionName[k])); });
    if (chips.firstChild) { li.appendChild(chips); }
    var links = el('div', 'links');
    if (url) { links.appendChild(link(url, 'Paper', 'Paper: ' + p.title)); }
    if (p.doi) {
      var doi = 'https://doi.org/' + p.doi.split('/').map(encodeURIComponent).join('/');
      links.appendChild(link(doi, 'DOI ' + p.doi));
    }
    if (p.review) {
      var href = web(p.review) || reviewBase + p.review;
      links.appendChild(link(href, p.draft ? 'Review (draft)' : 'Review', 'Review of ' + p.title));
    }
    var details = el('details', 'bib'), sum = el('summary', '', 'BibTeX');
    sum.setAttribute('aria-label', 'BibTeX entry of ' + p.title);
    details.dataset.index = String(i);
    details.appendChild(sum);
    links.appendChild(details);
    li.appendChild(links);
    return li;
  }

  // --- drawing -----------------------------------------------------------------------------------------
  var matches = [], shown = 0, all = papers.length;
  function draw(n) {
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, shown + n), first = null;
    for (var i = shown; i < end; i++) {
      var li = row(matches[i]);
      first = first || li;
      frag.appendChild(li);
    }
    shown = end;
    results.appendChild(frag);
    more.hidden = shown >= matches.length;
    more.textContent = 'Show more (' + (matches.length - shown).toLocaleString('en-US') + ' more)';
    return first;
  }
  function update() {
    clearTimeout(timer);
    form.dataset.pending = '';
    var state = readState();
    var test = matcher(state), idx = order(state.sort);
    matches = [];
    for (var i = 0; i < idx.length; i++) { if (test(idx[i])) { matches.push(idx[i]); } }
    results.textContent = '';
    shown = 0;
    draw(FIRST);
    results.dataset.count = String(matches.length);
    var n = matches.length.toLocaleString('en-US'), total = all.toLocaleString('en-US');
    var filtered = KEYS.some(function (k) { return k !== 'sort' && state[k]; });
    status.textContent = !matches.length ? 'No paper matches. Clear a filter or shorten the search.'
      : filtered ? n + (matches.length === 1 ? ' paper matches' : ' papers match') + ' (of ' + total + ')'
      : n + ' papers';
    var hash = fragment(state);
    var address = location.href.replace(/#.*$/, '') + (hash ? '#' + hash : '');
    if (address !== location.href) { history.replaceState(null, '', address); }
    share.href = hash ? '#' + hash : '#';
    var active = ['section', 'tag', 'venue', 'from', 'to', 'oa', 'sort'].filter(function (k) { return state[k]; }).length;
    byId('panel-toggle').textContent = active ? 'Filters (' + active + ' set)' : 'Filters';
  }
  var timer = 0;
  function later() {
    clearTimeout(timer);
    form.dataset.pending = '1';
    timer = setTimeout(update, DEBOUNCE_MS);
  }

  // --- events ------------------------------------------------------------------------------------------
  q.addEventListener('input', later);
  q.addEventListener('change', update);          // Enter or leaving the field: no need to wait
  Object.keys(selects).forEach(function (k) { selects[k].addEventListener('change', update); });
  form.addEventListener('submit', function (e) { e.preventDefault(); update(); });
  byId('clear').addEventListener('click', function () { writeState({}); update(); q.focus(); });
  more.addEventListener('click', function () {
    var first = draw(CHUNK);
    var target = first && first.querySelector('a, button, summary');
    if (target) { target.focus(); }
  });
  if ('IntersectionObserver' in window) {
    new IntersectionObserver(function (entries) {
      // Scrolling near the end draws more; a keyboard reader on the button decides with Enter,
      // so focus can move to the first new row without skipping any.
      if (entries[0].isIntersecting && !more.hidden && document.activeElement !== more) { draw(CHUNK); }
    }, {rootMargin: '600px'}).observe(more);
  }
  // An entry's text is put in when it is first opened ('toggle' does not bubble: listen while capturing).
  results.addEventListener('toggle', function (e) {
    var details = e.target;
    if (details.open && details.classList.contains('bib') && !details.querySelector('pre')) {
      var pre = el('pre', '', bibtexOf(Number(details.dataset.index))), copy = el('button', 'copy', 'Copy');
      copy.type = 'button';
      copy.setAttribute('aria-label', 'Copy the BibTeX entry');
      details.appendChild(pre);
      details.appendChild(copy);
    }
  }, true);
  results.addEventListener('click', function (e) {
    var target = e.target;
    if (target.classList.contains('chip')) {
      selects[target.dataset.kind].value = target.dataset.value;
      update();
      results.focus();
    } else if (target.classList.contains('copy')) {
      copyText(target.parentNode.querySelector('pre'), target);
    }
  });
  function copyText(pre, button) {
    var done = function (ok) {
      button.textContent = ok ? 'Copied' : 'Selected: press Ctrl+C';
      setTimeout(function () { button.textContent = 'Copy'; }, 2000);
    };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(pre);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
      done(ok);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(function () { done(true); }, select);
    } else {
      select();
    }
  }
  document.addEventListener('keydown', function (e) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      q.focus();
      q.select();
    }
  });
  window.addEventListener('hashchange', function () { writeState(stateFromAddress()); update(); });

  writeState(stateFromAddress());
  update();
  // On a phone the filters start folded (one tap opens them), unless the address sets one.
  if (window.matchMedia('(max-width: 40rem)').matches && !/[#&](section|tag|venue|from|to|sort)=/.test(location.hash)) {
    byId('panel').open = false;
  }
  void results.offsetHeight;    // laid out: the first render is done (benchmarks/bench_page.py reads the marks)
  performance.mark('page:ready');
  (window.requestIdleCallback || setTimeout)(searchStrings);
}());
