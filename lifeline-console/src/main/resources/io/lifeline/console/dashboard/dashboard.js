'use strict';
// Lifeline dashboard: no framework, no inline code (CSP default-src 'self'). Every name and message
// from the server is put into the page with textContent, never as HTML.
(function () {
  var TOKEN_KEY = 'lifeline-token';
  var token = sessionStorage.getItem(TOKEN_KEY) || '';
  var lastEventAt = 0;
  var streaming = false;
  var waitingForToken = false;
  var state = null;
  var SVG = 'http://www.w3.org/2000/svg';

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function headers(extra) {
    var h = extra || {};
    if (token) { h.Authorization = 'Bearer ' + token; }
    return h;
  }
  function setConn(text) { byId('conn').textContent = text; }

  // ------------------------------------------------------------------ token prompt
  function askToken(wrong) {
    waitingForToken = true;
    streaming = false;
    setConn('token required');
    var form = byId('token-form');
    form.hidden = false;
    byId('token-error').textContent = wrong ? 'The token was not accepted.' : '';
    byId('token-input').focus();
  }
  byId('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    token = byId('token-input').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    byId('token-form').hidden = true;
    waitingForToken = false;
    connect();
  });

  // ------------------------------------------------------------------ transport
  function connect() {
    if (waitingForToken) { return; }
    fetch('events', { headers: headers(), cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { askToken(!!token); return null; }
      if (res.status !== 200 || !res.body) {
        streaming = false;
        setConn('polling (stream refused: ' + res.status + ')');
        setTimeout(connect, 5000);
        return null;
      }
      streaming = true;
      setConn('live');
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buf = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) { streaming = false; setTimeout(connect, 0); return; }
          buf += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            onFrame(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      streaming = false;
      setConn('reconnecting…');
      setTimeout(connect, 1000);
    });
  }
  function onFrame(frame) {
    var event = 'message';
    var data = [];
    frame.split('\n').forEach(function (line) {
      if (line.indexOf('event: ') === 0) { event = line.slice(7); }
      else if (line.indexOf('data: ') === 0) { data.push(line.slice(6)); }
    });
    if (event === 'state' && data.length) {
      lastEventAt = Date.now();
      render(JSON.parse(data.join('\n')));
    }
  }
  // Fallback: while no event arrived for 3 s, poll /health (cards and features only).
  setInterval(function () {
    if (waitingForToken || Date.now() - lastEventAt < 3000) { return; }
    fetch('health', { headers: headers(), cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { askToken(!!token); return null; }
      return res.json();
    }).then(function (health) {
      if (!health || !health.services) { return; }
      if (!streaming) { setConn('polling /health'); }
      var s = state ? Object.assign({}, state) : { series: {}, timeline: [] };
      s.health = health;
      render(s);
    }).catch(function () { setConn('server unreachable, retrying…'); });
  }, 2000);

  // ------------------------------------------------------------------ rendering
  function render(s) {
    state = s;
    var h = s.health || { services: {}, features: {} };
    var overall = byId('overall');
    overall.textContent = h.status || '?';
    overall.className = 'status st-' + (h.status || 'UNKNOWN');
    renderServices(h.services || {}, s.series || {}, (s.application && s.application.breakers) || {});
    renderFeatures(h.features || {});
    renderApplication(s.application);
    renderTimeline(s.timeline || []);
  }

  function ago(iso) {
    if (!iso) { return '–'; }
    var secs = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (secs < 120) { return secs + ' s'; }
    if (secs < 7200) { return Math.round(secs / 60) + ' min'; }
    return Math.round(secs / 3600) + ' h';
  }
  function spark(values, cls, label) {
    var wrap = el('div');
    var nums = values.filter(function (v) { return v !== null; });
    var last = nums.length ? nums[nums.length - 1] : null;
    wrap.appendChild(el('p', 'sparklabel', label + ': ' + (last === null ? '–' : last)));
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark ' + cls);
    svg.setAttribute('viewBox', '0 0 100 28');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    var max = Math.max.apply(null, nums.concat([1]));
    var n = Math.max(values.length - 1, 1);
    var pts = [];
    values.forEach(function (v, i) {
      if (v !== null) { pts.push((i * 100 / n).toFixed(1) + ',' + (27 - v * 26 / max).toFixed(1)); }
    });
    var line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.appendChild(line);
    wrap.appendChild(svg);
    return wrap;
  }
  function row(dl, name, value, key) {
    dl.appendChild(el('dt', null, name));
    var dd = el('dd', null, value);
    if (key) { dd.setAttribute('data-field', key); }
    dl.appendChild(dd);
  }
  function renderServices(services, series, breakers) {
    var root = byId('services');
    root.textContent = '';
    Object.keys(services).sort().forEach(function (name) {
      var s = services[name];
      var card = el('article', 'card st-' + s.status);
      card.setAttribute('data-service', name);
      card.appendChild(el('h3', null, name));
      var st = el('p', 'status st-' + s.status, s.status);
      st.setAttribute('data-field', 'status');
      card.appendChild(st);
      var dl = el('dl');
      var ser = series[name] || {};
      row(dl, 'type', s.type);
      row(dl, 'latency', s.responseTimeMs === null || s.responseTimeMs === undefined ? '–'
        : s.responseTimeMs.toFixed(1) + ' ms', 'latency');
      row(dl, 'failures in a row', s.consecutiveFailures, 'failures');
      row(dl, 'breaker', breakers[name] || (s.details && s.details.breaker) || '–', 'breaker');
      row(dl, 'in this state', ago(ser.since), 'since');
      row(dl, 'last error', s.lastError || '–', 'error');
      card.appendChild(dl);
      card.appendChild(spark(ser.latencyMs || [], 'lat', 'latency ms'));
      card.appendChild(spark(ser.callsPerSecond || [], 'cps', 'calls/s'));
      root.appendChild(card);
    });
  }
  function renderFeatures(features) {
    var root = byId('features');
    root.textContent = '';
    Object.keys(features).sort().forEach(function (name) {
      var f = features[name];
      var word = f.available ? 'available' : (f.critical ? 'unavailable' : 'degraded');
      var li = el('li', 'f-' + word);
      li.setAttribute('data-feature', name);
      li.appendChild(el('span', 'name', name + (f.critical ? ' (critical)' : '') + ': '));
      var st = el('span', 'state', word);
      st.setAttribute('data-field', 'state');
      li.appendChild(st);
      root.appendChild(li);
    });
  }
  var actionsKey = '';
  function renderApplication(app) {
    var section = byId('application');
    if (!app) { section.hidden = true; return; }
    section.hidden = false;
    byId('app-h').textContent = app.title || 'Application';
    var counters = app.counters || {};
    var names = Object.keys(counters).sort();
    var cols = [];
    names.forEach(function (n) {
      Object.keys(counters[n]).forEach(function (c) { if (cols.indexOf(c) < 0) { cols.push(c); } });
    });
    var table = byId('counters');
    var head = table.tHead;
    head.textContent = '';
    var hr = el('tr');
    hr.appendChild(el('th', null, 'backend'));
    cols.forEach(function (c) { hr.appendChild(el('th', null, c)); });
    head.appendChild(hr);
    var body = table.tBodies[0];
    body.textContent = '';
    names.forEach(function (n) {
      var tr = el('tr');
      tr.setAttribute('data-backend', n);
      tr.appendChild(el('th', null, n));
      cols.forEach(function (c) {
        var td = el('td', null, counters[n][c] === undefined ? '' : counters[n][c]);
        td.setAttribute('data-counter', c);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var actions = app.actions || {};
    var key = JSON.stringify(actions);
    if (key === actionsKey) { return; } // keep buttons (and keyboard focus) across updates
    actionsKey = key;
    var root = byId('actions');
    root.textContent = '';
    Object.keys(actions).sort().forEach(function (service) {
      var fs = el('fieldset');
      fs.appendChild(el('legend', null, service));
      actions[service].forEach(function (action) {
        var b = el('button', null, action);
        b.type = 'button';
        b.setAttribute('data-action', service + '/' + action);
        b.setAttribute('aria-label', action + ' ' + service);
        b.addEventListener('click', function () { perform(service, action, b); });
        fs.appendChild(b);
      });
      root.appendChild(fs);
    });
  }
  function perform(service, action, button) {
    var out = byId('action-result');
    button.disabled = true;
    out.textContent = action + ' ' + service + '…';
    fetch('actions/' + encodeURIComponent(service) + '/' + encodeURIComponent(action), {
      method: 'POST', headers: headers({ 'X-Lifeline-Action': '1' }), cache: 'no-store'
    }).then(function (res) {
      if (res.status === 401) { askToken(!!token); return { error: 'token required' }; }
      return res.json();
    }).then(function (r) {
      out.textContent = r.message || r.error || '';
    }).catch(function (e) {
      out.textContent = 'failed: ' + e;
    }).then(function () { button.disabled = false; });
  }
  function renderTimeline(items) {
    var root = byId('timeline');
    root.textContent = '';
    items.slice().reverse().forEach(function (t) {
      var li = el('li');
      var time = el('time', null, new Date(t.at).toLocaleTimeString());
      time.setAttribute('datetime', t.at);
      li.appendChild(time);
      li.appendChild(el('span', null, t.service + ': ' + (t.from || '–') + ' → ' + t.to
        + (t.error ? ' (' + t.error + ')' : '')));
      root.appendChild(li);
    });
  }
  // keep "time in state" ticking between events
  setInterval(function () {
    if (!state || !state.series) { return; }
    document.querySelectorAll('.card').forEach(function (card) {
      var ser = state.series[card.getAttribute('data-service')];
      var dd = card.querySelector('[data-field="since"]');
      if (ser && dd) { dd.textContent = ago(ser.since); }
    });
  }, 1000);

  connect();
}());
