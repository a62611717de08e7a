/**
 * Loads the luau-web WebAssembly VM with its 17 MB heap cap lifted.
 *
 * The published Asyncify build declares a wasm memory whose maximum equals its initial size and an
 * `_emscripten_resize_heap` that always aborts, so a 4 MB DataStore value and its JSON copy kill the process.
 * We patch both from the installed package at load time (never on disk in node_modules): the memory section
 * loses its maximum, and resize grows `wasmMemory` then refreshes the typed-array views.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";

/** The largest heap we let the VM grow to: the glue uses signed 32-bit pointers, so 2 GiB less one page. */
export const MAX_HEAP_BYTES = 2 * 1024 * 1024 * 1024 - 65536;

function readUleb(bytes: Uint8Array, offset: number): [value: number, next: number] {
	let result = 0;
	let shift = 0;
	for (;;) {
		const byte = bytes[offset++];
		result += (byte & 0x7f) * 2 ** shift;
		if ((byte & 0x80) === 0) return [result, offset];
		shift += 7;
	}
}

function writeUleb(value: number): number[] {
	const out: number[] = [];
	do {
		let byte = value % 128;
		value = Math.floor(value / 128);
		if (value !== 0) byte |= 0x80;
		out.push(byte);
	} while (value !== 0);
	return out;
}

/** Rewrites the memory section (id 5) of a wasm module so that no memory has a maximum. */
export function removeMemoryMaximum(wasm: Uint8Array): { wasm: Uint8Array; changed: number } {
	if (wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
		throw new Error("LuauVm: embedded module is not WebAssembly (bad magic)");
	}
	const parts: Uint8Array[] = [wasm.subarray(0, 8)];
	let offset = 8;
	let changed = 0;
	while (offset < wasm.length) {
		const id = wasm[offset];
		const [size, bodyStart] = readUleb(wasm, offset + 1);
		const bodyEnd = bodyStart + size;
		if (id !== 5) {
			parts.push(wasm.subarray(offset, bodyEnd));
		} else {
			let p = bodyStart;
			const [count, afterCount] = readUleb(wasm, p);
			p = afterCount;
			const body: number[] = writeUleb(count);
			for (let i = 0; i < count; i++) {
				const flags = wasm[p++];
				const [initial, afterInitial] = readUleb(wasm, p);
				p = afterInitial;
				if (flags & 0x01) {
					p = readUleb(wasm, p)[1];
					changed++;
				}
				if (flags & ~0x01) throw new Error(`LuauVm: unsupported memory limits flags 0x${flags.toString(16)}`);
				body.push(0x00, ...writeUleb(initial));
			}
			parts.push(Uint8Array.from([5, ...writeUleb(body.length), ...body]));
		}
		offset = bodyEnd;
	}
	const total = parts.reduce((n, part) => n + part.length, 0);
	const out = new Uint8Array(total);
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return { wasm: out, changed };
}

const RESIZE_ORIGINAL =
	"_emscripten_resize_heap=requestedSize=>{var oldSize=HEAPU8.length;requestedSize>>>=0;abortOnCannotGrowMemory(requestedSize)};";
const RESIZE_PATCHED =
	"_emscripten_resize_heap=requestedSize=>{var oldSize=HEAPU8.length;requestedSize>>>=0;" +
	`var maxHeap=${MAX_HEAP_BYTES};if(requestedSize>maxHeap)return false;` +
	"var newSize=Math.min(maxHeap,Math.max(requestedSize,oldSize*2));newSize=Math.ceil(newSize/65536)*65536;" +
	"try{wasmMemory.grow((newSize-wasmMemory.buffer.byteLength)/65536);updateMemoryViews();return true}catch(e){return false}};";

/** Produces the patched glue source from the installed Asyncify glue. Throws when the package changed shape. */
export function patchGlue(source: string): string {
	const match = /function findWasmBinary\(\)\{return base64Decode\("([A-Za-z0-9+/=]+)"\)/.exec(source);
	if (!match) throw new Error("LuauVm: could not find the embedded wasm in luau-web's Asyncify glue");
	const { wasm, changed } = removeMemoryMaximum(Buffer.from(match[1], "base64"));
	if (changed === 0) throw new Error("LuauVm: luau-web's wasm memory has no maximum to lift; the package changed");
	if (!source.includes(RESIZE_ORIGINAL)) {
		throw new Error("LuauVm: could not find _emscripten_resize_heap in luau-web's glue; the package changed");
	}
	const encoded = Buffer.from(wasm).toString("base64");
	return source
		.replace(match[0], () => `function findWasmBinary(){return base64Decode("${encoded}")`)
		.replace(RESIZE_ORIGINAL, () => RESIZE_PATCHED);
}

export interface LuauStateLike {
	env: { set(key: string, value: unknown, bypassReadonly?: boolean): boolean };
	loadstring(source: string, chunkname: string, throwOnCompilationError?: boolean): unknown;
}

export interface LuauModule {
	LuauState: { createAsync(initialEnv?: Record<string, unknown>): Promise<LuauStateLike> };
}

let loaded: Promise<LuauModule> | undefined;

/**
 * Imports luau-web with the heap cap lifted. The patched copy lives in `node_modules/.cache` (the OS temp folder
 * only when luau-web is not under a node_modules), named by the hash of the installed glue, so concurrent runs share
 * it, a package upgrade produces a new one, and runs leave nothing in the temp folder.
 */
export function loadLuauWeb(): Promise<LuauModule> {
	loaded ??= (async () => {
		const require = createRequire(import.meta.url);
		const entry = require.resolve("luau-web");
		const libDir = join(dirname(entry), "lib");
		const glue = readFileSync(join(libDir, "Luau.Web.Asyncify.js"), "utf8");
		const index = readFileSync(entry, "utf8");
		const hash = createHash("sha256").update(glue).update(index).update(RESIZE_PATCHED).digest("hex").slice(0, 16);
		const modules = entry.lastIndexOf("node_modules");
		const cacheRoot = modules === -1 ? tmpdir() : join(entry.slice(0, modules + "node_modules".length), ".cache");
		const dir = join(cacheRoot, `luau-web-unbounded-${hash}`);
		const gluePath = join(dir, "Luau.Web.Asyncify.mjs");
		const indexPath = join(dir, "index.mjs");
		if (!existsSync(indexPath)) {
			mkdirSync(dir, { recursive: true });
			// Node 20 has no JSPI, and the JSPI build keeps the cap too: always take the Asyncify build.
			const selector = /let InternalLuauWasmModule[\s\S]*?\n}\n/;
			if (!selector.test(index)) throw new Error("LuauVm: luau-web's index.js changed shape");
			const patchedIndex = index.replace(
				selector,
				() => 'let InternalLuauWasmModule = (await import("./Luau.Web.Asyncify.mjs")).default\n',
			);
			const suffix = `.${process.pid}.${threadId}.tmp`;
			writeFileSync(gluePath + suffix, patchGlue(glue));
			renameSync(gluePath + suffix, gluePath);
			writeFileSync(indexPath + suffix, patchedIndex);
			renameSync(indexPath + suffix, indexPath);
		}
		// A query makes Node load the module anew after freshLuauHeap(): a new instance, with a wasm heap of its own.
		const query = heapGeneration === 0 ? "" : `?heap=${heapGeneration}`;
		return (await import(pathToFileURL(indexPath).href + query)) as LuauModule;
	})();
	return loaded;
}

let heapGeneration = 0;

/**
 * Makes the next runs use a new wasm heap. Every Luau state of a luau-web instance lives in its one heap (at most
 * 4 GB) and the states of finished runs are never closed (luau-web's destroy() leaves the instance unable to load
 * chunks in later states), so a process that runs the engine many times, as `npm test` does with its host tests
 * before the specs, starts the specs on a fresh heap. The old heap stays in memory until the process ends (Node
 * keeps every module it loaded), which costs RAM, not room in the new heap.
 */
export function freshLuauHeap(): void {
	heapGeneration++;
	loaded = undefined;
}
