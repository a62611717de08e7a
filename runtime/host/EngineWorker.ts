/**
 * The entry of a worker thread that runs the engine (runtime/host/EngineThread.ts starts it), one run per message
 * from the parent: a run's output and events go back as messages, then its end with the size of the worker's
 * wasm heap, which the parent watches to retire the worker before the heap fills.
 */
import { parentPort } from "node:worker_threads";
import { runEngine, type EngineOptions } from "./Launcher.js";
import type { WorkerMessage } from "./EngineThread.js";

const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

port.on("message", (options: EngineOptions) => {
	runEngine(
		options,
		(text) => post({ kind: "write", text }),
		(event) => post({ kind: "event", event }),
	).then(
		(code) => post({ kind: "done", code, heapBytes: process.memoryUsage().external }),
		(err: unknown) => post({ kind: "crash", message: err instanceof Error ? err.message : String(err) }),
	);
});
