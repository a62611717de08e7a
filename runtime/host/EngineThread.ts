/**
 * A worker thread that runs the engine (runtime/host/EngineWorker.ts), one run after another. Every run gets a Luau
 * state of its own, but luau-web never frees a finished state's memory in its wasm heap: the thread is retired once
 * that heap passes {@link RETIRE_HEAP_BYTES}, and its memory goes with it, so a long run's memory stays bounded. A run
 * that crashes, or whose Luau heap runs out of memory, resolves with the reason instead of taking the process down.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EngineOptions } from "./Launcher.js";
import type { EngineEvent } from "./RunResults.js";

/** A thread whose wasm heap has grown past this is retired after its run (the heap's ceiling is 2 GB). */
export const RETIRE_HEAP_BYTES = 768 * 1024 * 1024;

export type WorkerMessage =
	| { kind: "write"; text: string }
	| { kind: "event"; event: EngineEvent }
	| { kind: "done"; code: number; heapBytes: number }
	| { kind: "crash"; message: string };

/** How a run ended: the engine's exit code, or why it could not finish. */
export type ThreadOutcome = { code: number; crash?: undefined } | { code: 1; crash: string };

/** The worker's entry, beside this file (EngineWorker.js in the package, EngineWorker.ts under tsx). */
function startWorker(): Worker {
	const here = fileURLToPath(import.meta.url);
	const entry = here.replace(/EngineThread\.(ts|js)$/, "EngineWorker.$1");
	if (entry.endsWith(".js")) return new Worker(entry);
	// Under tsx (this repository's own runs) a worker does not inherit tsx's loader: it registers it first.
	const tsx = import.meta.resolve("tsx/esm/api");
	const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(pathToFileURL(entry).href)});`;
	return new Worker(code, { eval: true });
}

export class EngineThread {
	private worker: Worker | undefined = startWorker();
	/** Runs done in this thread (a crash in a used thread may be the earlier runs' doing). */
	runs = 0;

	/** Whether the thread can take another run. */
	get usable(): boolean {
		return this.worker !== undefined;
	}

	/** Runs the engine once; `write` and `event` get its output and events as they come. */
	run(options: EngineOptions, write: (text: string) => void, event: (event: EngineEvent) => void) {
		const worker = this.worker;
		if (worker === undefined) throw new Error("EngineThread: the thread was retired");
		this.runs++;
		return new Promise<ThreadOutcome>((resolve) => {
			let settled = false;
			const settle = (outcome: ThreadOutcome, retire: boolean) => {
				if (settled) return;
				settled = true;
				worker.off("message", onMessage);
				worker.off("error", onError);
				worker.off("exit", onExit);
				if (retire) this.close();
				resolve(outcome);
			};
			const onMessage = (message: WorkerMessage) => {
				if (message.kind === "write") write(message.text);
				else if (message.kind === "event") event(message.event);
				else if (message.kind === "done") settle({ code: message.code }, message.heapBytes > RETIRE_HEAP_BYTES);
				else settle({ code: 1, crash: message.message }, true);
			};
			const onError = (err: Error) => settle({ code: 1, crash: err.message }, true);
			const onExit = (exitCode: number) =>
				settle({ code: 1, crash: `the worker exited with code ${exitCode}` }, true);
			worker.on("message", onMessage);
			worker.on("error", onError);
			worker.on("exit", onExit);
			worker.postMessage(options);
		});
	}

	/** Ends the thread; its memory is freed. */
	close(): void {
		const worker = this.worker;
		this.worker = undefined;
		if (worker !== undefined) void worker.terminate();
	}
}
