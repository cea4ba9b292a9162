import { Hono } from 'hono';
import type { AppEnv } from '../../lib/env-types.ts';

/**
 * A browsable API reference at `/api/docs` that works offline: one self-contained page (no CDN)
 * that reads `/api/v1/openapi.json` and lists every operation with its parameters, request
 * body and responses. The scripts are inline and same-origin only.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Headroom API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{padding:1rem 2rem;border-bottom:1px solid #d0d7de}main{padding:1rem 2rem;max-width:70rem}
h2{margin-top:2rem;border-bottom:1px solid #eee}details{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0}
summary{cursor:pointer;padding:.5rem .75rem;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.get{color:#0969da}.post{color:#1a7f37}.put,.patch{color:#9a6700}.delete{color:#cf222e}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;margin:0 .75rem .75rem}.d{padding:0 .75rem}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}pre{background:#161b22}details,header{border-color:#30363d}}
</style></head>
<body><header><h1>Headroom API reference</h1><p>Generated from <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>.</p></header>
<main id="out"><p>Loading…</p></main>
<script>
fetch('/api/v1/openapi.json').then(function(r){return r.json()}).then(function(doc){
  var out=document.getElementById('out');out.textContent='';
  var byTag={};
  Object.keys(doc.paths||{}).forEach(function(path){var ops=doc.paths[path];Object.keys(ops).forEach(function(method){
    var op=ops[method];var tag=(op.tags&&op.tags[0])||'Other';(byTag[tag]=byTag[tag]||[]).push({path:path,method:method,op:op});});});
  Object.keys(byTag).sort().forEach(function(tag){
    var h=document.createElement('h2');h.textContent=tag;out.appendChild(h);
    byTag[tag].forEach(function(e){
      var d=document.createElement('details');var s=document.createElement('summary');
      var m=document.createElement('span');m.className='m '+e.method;m.textContent=e.method.toUpperCase();
      s.appendChild(m);s.appendChild(document.createTextNode(' '+e.path+(e.op.summary?'  —  '+e.op.summary:'')));d.appendChild(s);
      var parts={parameters:e.op.parameters,requestBody:e.op.requestBody,responses:e.op.responses};
      Object.keys(parts).forEach(function(k){if(!parts[k])return;var p=document.createElement('p');p.className='d';p.textContent=k;d.appendChild(p);
        var pre=document.createElement('pre');pre.textContent=JSON.stringify(parts[k],null,2);d.appendChild(pre);});
      out.appendChild(d);});});
}).catch(function(err){document.getElementById('out').textContent='Could not load the OpenAPI document: '+err;});
</script></body></html>`;

export function docsRoutes() {
  return new Hono<AppEnv>().get('/api/docs', (c) => c.html(PAGE));
}
