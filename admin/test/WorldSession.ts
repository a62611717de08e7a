/**
 * Node's side of admin/world/StandInWorld.ts: a world of the offline runtime (game servers, the DataStore they
 * share, virtual time) driven one command at a time through `Runtime.bridge`. The world stands still between two
 * commands, so the Open Cloud stand-in's HTTP handlers read and write the world's DataStore between steps of
 * virtual time, exactly where a real Open Cloud request would land between two game frames.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runEngine } from "../../runtime/host/Launcher.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Reply {
	ok: boolean;
	result?: unknown;
	error?: string;
	now: number;
	unixMillis: number;
}

export interface WorldOptions {
	/** Unix seconds at virtual time 0 (default: the runtime's fixed 2026-01-01). */
	epoch?: number;
	seed?: number;
	/** Every line the world's servers print. */
	onOutput?: (line: string) => void;
}

export class WorldSession {
	/** The world's clock, as of its last answer: unix milliseconds and virtual seconds. */
	unixMillis = 0;
	now = 0;
	private giveCommand?: (message: string) => void;
	private takeReply?: (reply: string) => void;
	private queue: Promise<unknown> = Promise.resolve();
	private ended?: string;
	private readonly finished: Promise<number>;
	private readonly output: string[] = [];

	private constructor(options: WorldOptions, ready: (session: WorldSession) => void, failed: (err: Error) => void) {
		this.finished = runEngine(
			{
				command: "run",
				project: join(REPO_ROOT, "test.project.json"),
				script: "ServerScriptService/AdminWorld/StandInWorld",
				epoch: options.epoch,
				seed: options.seed,
				timeLimit: 1e9,
				bridge: (message) =>
					new Promise<string>((giveCommand) => {
						this.giveCommand = giveCommand;
						const take = this.takeReply;
						this.takeReply = undefined;
						if (take !== undefined) take(message);
						else {
							this.clock(message);
							ready(this);
						}
					}),
			},
			(line) => {
				this.output.push(line);
				if (this.output.length > 200) this.output.shift();
				options.onOutput?.(line);
			},
		);
		this.finished.then(
			(code) => this.end(`the world stopped (exit code ${code}):\n${this.output.slice(-30).join("\n")}`, failed),
			(err: Error) => this.end(`the world failed: ${err.message}`, failed),
		);
	}

	private end(why: string, failed: (err: Error) => void) {
		this.ended = why;
		failed(new Error(why));
		const take = this.takeReply;
		this.takeReply = undefined;
		take?.(JSON.stringify({ ok: false, error: why, now: this.now, unixMillis: this.unixMillis }));
	}

	/** Boots the engine and its world (a couple of seconds). */
	static start(options: WorldOptions = {}): Promise<WorldSession> {
		return new Promise((ready, failed) => new WorldSession(options, ready, failed));
	}

	private clock(text: string): Reply {
		const reply = JSON.parse(text) as Reply;
		this.now = reply.now;
		this.unixMillis = reply.unixMillis;
		return reply;
	}

	/** Runs one command in the world (commands queue up) and returns its result; errors with the world's error. */
	command<T = unknown>(op: string, fields: Record<string, unknown> = {}): Promise<T> {
		const run = async () => {
			if (this.ended !== undefined) throw new Error(this.ended);
			const text = await new Promise<string>((take) => {
				this.takeReply = take;
				const give = this.giveCommand!;
				this.giveCommand = undefined;
				give(JSON.stringify({ op, ...fields }));
			});
			const reply = this.clock(text);
			if (!reply.ok) throw new Error(`world command ${op}: ${reply.error}`);
			return reply.result as T;
		};
		const next = this.queue.then(run, run);
		this.queue = next.catch(() => undefined);
		return next;
	}

	advance(seconds: number): Promise<unknown> {
		return this.command("advance", { seconds });
	}

	/** Stops the world and waits for the engine to end. */
	async stop(): Promise<void> {
		if (this.ended !== undefined) return;
		await this.queue;
		const give = this.giveCommand;
		this.giveCommand = undefined;
		this.ended = "the world was stopped";
		give?.(JSON.stringify({ op: "stop" }));
		await this.finished.catch(() => undefined);
	}
}
