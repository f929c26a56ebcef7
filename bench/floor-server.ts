// The framework floor: the least a NestJS 12 + Express webhook can cost. One controller,
// `express.json()`, a canned AdmissionReview answer, on the webhook's certificate and TLS
// options. What the injector costs above this is its own work; what this costs above the
// bare ceiling (ceiling-server.ts) is the framework's.
//
// Node runs this file by stripping types, which has no decorator syntax: the decorators
// are applied as the plain functions they are, exactly as the compiler would call them.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { tlsOptions } from '../src/serving/tls-options.ts';

const [tlsDir, port, answerFile] = process.argv.slice(2);
if (!tlsDir || !port || !answerFile) throw new Error('usage: floor-server.ts <tls-dir> <port> <answer.json>');
const answer: unknown = JSON.parse(readFileSync(answerFile, 'utf8'));

class FloorController {
  review(_body: unknown): unknown {
    return answer;
  }
}
Controller('inject')(FloorController);
const review = Object.getOwnPropertyDescriptor(FloorController.prototype, 'review')!;
Post()(FloorController.prototype, 'review', review);
HttpCode(200)(FloorController.prototype, 'review', review);
Body()(FloorController.prototype, 'review', 0);

class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

const server = express();
server.disable('x-powered-by');
server.set('etag', false);
const app = await NestFactory.create(FloorModule, new ExpressAdapter(server), { bodyParser: false, logger: false });
app.use(express.json({ limit: '4mb' }));
await app.init();
const https = createServer({ ...tlsOptions(readFileSync(join(tlsDir, 'tls.crt'), 'utf8'), readFileSync(join(tlsDir, 'tls.key'), 'utf8')), keepAliveTimeout: 120_000 }, server);
https.listen(Number(port), () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => https.close(() => process.exit(0)));
