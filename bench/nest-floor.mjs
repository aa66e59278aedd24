#!/usr/bin/env node
// The framework floor: the least an LLM gateway on NestJS + Fastify must do for a call, with nothing else. One
// controller reads the JSON body, swaps the client's key for the upstream key, forwards the call on an undici
// pool, reads the JSON reply, counts its tokens per model in memory and sends it back; a stream is relayed as it
// arrives, its usage read from the last chunks. No auth, no budgets, no ledger, no guardrails, no logging. What
// Tollgate spends above this line is its own. Started by bench/run.mjs (target "floor"):
//
//   node bench/nest-floor.mjs --port 4100 --upstream http://127.0.0.1:4000 [--upstream-key sk-...]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Body, Controller, Get, Module, Post, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' }, 'upstream-key': { type: 'string' } } });
if (!values.port || !values.upstream) throw new Error('usage: node bench/nest-floor.mjs --port <port> --upstream <origin> [--upstream-key <key>]');
const upstreamKey = values['upstream-key'] ?? 'sk-upstream-bench';
const upstream = new Pool(values.upstream, { connections: 256, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
const RELAYED_HEADERS = ['content-type', 'x-request-id', 'openai-processing-ms', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens'];
const tokensByModel = new Map();

function count(model, usage) {
  if (!usage) return;
  const total = tokensByModel.get(model) ?? { calls: 0, prompt: 0, completion: 0 };
  total.calls += 1;
  total.prompt += usage.prompt_tokens ?? 0;
  total.completion += usage.completion_tokens ?? 0;
  tokensByModel.set(model, total);
}

async function forward(path, body, reply) {
  const model = typeof body?.model === 'string' ? body.model : 'unknown';
  let response;
  try {
    response = await upstream.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${upstreamKey}` },
      body: JSON.stringify(body),
    });
  } catch (error) {
    reply.code(502).send({ error: { message: `upstream unreachable: ${error.code ?? error.message}`, type: 'api_error', param: null, code: null } });
    return;
  }
  reply.code(response.statusCode);
  for (const name of RELAYED_HEADERS) if (response.headers[name] !== undefined) reply.header(name, response.headers[name]);
  if (body?.stream === true) {
    let last = '';
    response.body.on('data', (chunk) => (last = (last + chunk.toString('utf8')).slice(-2048)));
    response.body.on('end', () => {
      const usage = /"prompt_tokens":(\d+),"completion_tokens":(\d+)/.exec(last.slice(last.lastIndexOf('"usage"')));
      if (usage) count(model, { prompt_tokens: Number(usage[1]), completion_tokens: Number(usage[2]) });
    });
    reply.send(response.body);
    return;
  }
  const json = await response.body.json();
  count(model, json?.usage);
  reply.send(json);
}

// What `@Controller('v1') class FloorController { @Post('chat/completions') chat(@Body() body, @Res() reply) … }`
// compiles to: plain JavaScript has no decorators, so they are applied by hand.
class FloorController {
  chat(body, reply) {
    return forward('/v1/chat/completions', body, reply);
  }
  embeddings(body, reply) {
    return forward('/v1/embeddings', body, reply);
  }
  health() {
    return { status: 'ok', models: Object.fromEntries(tokensByModel) };
  }
}
for (const [method, verb, path] of [
  ['chat', Post, 'chat/completions'],
  ['embeddings', Post, 'embeddings'],
]) {
  Body()(FloorController.prototype, method, 0);
  Res()(FloorController.prototype, method, 1);
  verb(path)(FloorController.prototype, method, Object.getOwnPropertyDescriptor(FloorController.prototype, method));
}
Get('health')(FloorController.prototype, 'health', Object.getOwnPropertyDescriptor(FloorController.prototype, 'health'));
Controller('v1')(FloorController);
class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

const app = await NestFactory.create(FloorModule, new FastifyAdapter({ logger: false, bodyLimit: 32 * 1024 * 1024 }), { logger: false });
await app.listen(Number(values.port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
