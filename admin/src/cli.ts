#!/usr/bin/env node
/**
 * The profileservice-admin command: the real process's terminal, environment, clock and network.
 */
import { createInterface } from "node:readline/promises";
import { runCli } from "./Main.js";

const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;

async function ask(question: string): Promise<string | undefined> {
	const terminal = createInterface({ input: process.stdin, output: process.stderr });
	try {
		return await terminal.question(question);
	} finally {
		terminal.close();
	}
}

async function readStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await runCli(
	process.argv.slice(2),
	{
		stdout: (text) => process.stdout.write(`${text}\n`),
		stderr: (text) => process.stderr.write(`${text}\n`),
		ask: interactive ? ask : undefined,
		env: process.env,
		cwd: process.cwd(),
		now: () => Date.now(),
		sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
		fetch: globalThis.fetch,
	},
	readStdin,
);
