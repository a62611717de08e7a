/**
 * Reads Roblox model files, binary (`.rbxm`) and XML (`.rbxmx`), into a tree of instances, as Rojo does when a
 * project's `$path` (or a file in a mounted folder) names one. Vendored Luau packages ship this way (`@rbxts/jest`
 * ships jest-lua as `jest-lua.rbxm`, and React as `react-lua.rbxmx`).
 *
 * Only what the runtime can use is kept: each instance's class, its `Name`, and its string-valued properties
 * (`Source` of scripts, `Value` of StringValues, ...). Other property types are skipped by their chunk, which the
 * binary format makes possible without decoding them.
 *
 * The binary format: a 32-byte header (`<roblox!`, a signature, version, class and instance counts), then chunks,
 * each a 4-byte name, compressed and uncompressed lengths and 4 reserved bytes; a body with a compressed length is an
 * LZ4 block. META holds key/value pairs, SSTR shared strings, INST one class and the referents of its instances, PROP
 * one property of every instance of a class, PRNT the parent of each instance, END closes the file. Arrays of 32-bit
 * integers are stored big-endian with their bytes interleaved (all first bytes, then all second bytes, ...) and
 * zigzag-encoded; referent arrays are also delta-encoded.
 */
import { readFileSync } from "node:fs";

/** One instance of a model file. */
export interface ModelInstance {
	className: string;
	name: string;
	/** String-valued properties other than Name. */
	properties: Record<string, string>;
	children: ModelInstance[];
}

const BINARY_MAGIC = "<roblox!";
const HEADER_SIZE = 32;
const STRING_TYPE = 0x01;

/** Reads a model file by its extension; throws with the file's path when it is not a model Roblox could load. */
export function readModel(path: string): ModelInstance[] {
	const bytes = readFileSync(path);
	try {
		if (bytes.subarray(0, BINARY_MAGIC.length).toString("latin1") === BINARY_MAGIC) return readBinaryModel(bytes);
		return readXmlModel(bytes.toString("utf8"));
	} catch (err) {
		throw new Error(`${path} is not a Roblox model file Rojo could read: ${(err as Error).message}`);
	}
}

/**
 * A model file as the engine reads it: JSON of its tree whose string properties are indices into `strings` (the
 * engine fetches each one by itself: luau-web fails on a string of about 1 MB crossing into the VM, and jest-lua's
 * sources come to 1.6 MB), or of the reason it cannot be read.
 */
export function modelForEngine(path: string, strings: string[]): string {
	const index = (node: ModelInstance): unknown => ({
		className: node.className,
		name: node.name,
		properties: Object.fromEntries(
			Object.entries(node.properties).map(([key, value]) => [key, strings.push(value) - 1]),
		),
		children: node.children.map(index),
	});
	try {
		return JSON.stringify({ roots: readModel(path).map(index) });
	} catch (err) {
		return JSON.stringify({ error: (err as Error).message });
	}
}

/** Decompresses one LZ4 block (no frame header) of known decompressed size. */
export function lz4Block(src: Uint8Array, size: number): Uint8Array {
	const out = new Uint8Array(size);
	let i = 0;
	let o = 0;
	const extend = (length: number) => {
		if (length !== 15) return length;
		let byte: number;
		do {
			byte = src[i++];
			length += byte;
		} while (byte === 255);
		return length;
	};
	while (i < src.length) {
		const token = src[i++];
		const literals = extend(token >> 4);
		out.set(src.subarray(i, i + literals), o);
		i += literals;
		o += literals;
		if (i >= src.length) break;
		const offset = src[i] | (src[i + 1] << 8);
		i += 2;
		if (offset === 0 || offset > o) throw new Error("LZ4 block refers before its start");
		const length = extend(token & 15) + 4;
		// Byte by byte: a match may overlap the bytes it is writing.
		for (let k = 0; k < length; k++, o++) out[o] = out[o - offset];
	}
	if (o !== size) throw new Error(`LZ4 block holds ${o} bytes, ${size} expected`);
	return out;
}

/** A cursor over a chunk body. */
class Reader {
	offset = 0;
	constructor(private readonly bytes: Uint8Array) {}

	get remaining() {
		return this.bytes.length - this.offset;
	}

	u8(): number {
		return this.bytes[this.offset++];
	}

	u32(): number {
		const b = this.bytes;
		const value =
			(b[this.offset] | (b[this.offset + 1] << 8) | (b[this.offset + 2] << 16)) + b[this.offset + 3] * 2 ** 24;
		this.offset += 4;
		return value;
	}

	string(): string {
		const length = this.u32();
		const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, length).toString("utf8");
		this.offset += length;
		return text;
	}

	/** `count` interleaved, zigzag-encoded 32-bit integers. */
	interleavedInts(count: number): number[] {
		const b = this.bytes;
		const base = this.offset;
		const values = new Array<number>(count);
		for (let i = 0; i < count; i++) {
			const raw =
				((b[base + i] << 24) |
					(b[base + count + i] << 16) |
					(b[base + 2 * count + i] << 8) |
					b[base + 3 * count + i]) >>>
				0;
			values[i] = (raw >>> 1) ^ -(raw & 1);
		}
		this.offset += 4 * count;
		return values;
	}

	/** `count` referents: interleaved integers, each the difference from the one before. */
	referents(count: number): number[] {
		const values = this.interleavedInts(count);
		for (let i = 1; i < count; i++) values[i] += values[i - 1];
		return values;
	}
}

function readBinaryModel(bytes: Uint8Array): ModelInstance[] {
	const header = new Reader(bytes.subarray(BINARY_MAGIC.length + 6));
	const version = header.u8() | (header.u8() << 8);
	if (version !== 0) throw new Error(`binary format version ${version} (0 expected)`);
	const classes = new Map<number, { className: string; referents: number[] }>();
	const instances = new Map<number, ModelInstance>();
	const order: number[] = [];
	const parents = new Map<number, number>();
	let offset = HEADER_SIZE;
	for (;;) {
		if (offset + 16 > bytes.length) throw new Error("the file ends before its END chunk");
		const name = Buffer.from(bytes.subarray(offset, offset + 4)).toString("latin1");
		const head = new Reader(bytes.subarray(offset + 4, offset + 16));
		const compressed = head.u32();
		const size = head.u32();
		offset += 16;
		const stored = compressed === 0 ? size : compressed;
		let body = bytes.subarray(offset, offset + stored);
		offset += stored;
		if (compressed !== 0) {
			if (body[0] === 0x28 && body[1] === 0xb5 && body[2] === 0x2f && body[3] === 0xfd) {
				throw new Error(`chunk ${name} is Zstandard-compressed, which this reader does not decode`);
			}
			body = lz4Block(body, size);
		}
		const chunk = new Reader(body);
		if (name === "END\0") break;
		if (name === "INST") {
			const classId = chunk.u32();
			const className = chunk.string();
			chunk.u8(); // 1 for services, which also carry a marker byte each; neither matters here.
			const count = chunk.u32();
			const referents = chunk.referents(count);
			classes.set(classId, { className, referents });
			for (const referent of referents) {
				instances.set(referent, { className, name: className, properties: {}, children: [] });
				order.push(referent);
			}
		} else if (name === "PROP") {
			const owner = classes.get(chunk.u32());
			const property = chunk.string();
			if (owner === undefined || chunk.u8() !== STRING_TYPE) continue;
			for (const referent of owner.referents) {
				const value = chunk.string();
				const instance = instances.get(referent)!;
				if (property === "Name") instance.name = value;
				else if (property !== "AttributesSerialize" && property !== "Tags")
					instance.properties[property] = value;
			}
		} else if (name === "PRNT") {
			chunk.u8();
			const count = chunk.u32();
			const children = chunk.referents(count);
			const parentRefs = chunk.referents(count);
			children.forEach((child, i) => parents.set(child, parentRefs[i]));
		}
		// META and SSTR carry nothing the runtime uses.
	}
	const roots: ModelInstance[] = [];
	for (const referent of order) {
		const parent = instances.get(parents.get(referent) ?? -1);
		(parent === undefined ? roots : parent.children).push(instances.get(referent)!);
	}
	return roots;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
	return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
		if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
		if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
		return ENTITIES[entity] ?? whole;
	});
}

/** String-valued property elements of the XML format. */
const XML_STRING_TYPES = new Set(["string", "ProtectedString"]);

function readXmlModel(text: string): ModelInstance[] {
	const root: ModelInstance = { className: "", name: "", properties: {}, children: [] };
	const stack: ModelInstance[] = [root];
	const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|<!\[CDATA\[|<!--|<\?/g;
	let inProperties = false;
	let match: RegExpExecArray | null;
	while ((match = tag.exec(text)) !== null) {
		const whole = match[0];
		if (whole === "<!--") {
			tag.lastIndex = text.indexOf("-->", tag.lastIndex) + 3;
			continue;
		}
		if (whole === "<?") {
			tag.lastIndex = text.indexOf("?>", tag.lastIndex) + 2;
			continue;
		}
		if (whole === "<![CDATA[") throw new Error("character data outside a property");
		const [, closing, element, attributeText, selfClosing] = match;
		const attributes: Record<string, string> = {};
		for (const [, key, value] of attributeText.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) {
			attributes[key] = decodeXmlText(value);
		}
		if (element === "Item") {
			if (closing) {
				stack.pop();
			} else {
				const instance: ModelInstance = {
					className: attributes.class ?? "Folder",
					name: attributes.class ?? "Folder",
					properties: {},
					children: [],
				};
				stack[stack.length - 1].children.push(instance);
				if (!selfClosing) stack.push(instance);
			}
		} else if (element === "Properties") {
			inProperties = !closing && !selfClosing;
		} else if (inProperties && !closing && !selfClosing) {
			// A property element: its whole content up to the matching closing tag.
			const end = text.indexOf(`</${element}>`, tag.lastIndex);
			if (end === -1) throw new Error(`<${element}> is not closed`);
			const content = text.slice(tag.lastIndex, end);
			tag.lastIndex = end + element.length + 3;
			if (!XML_STRING_TYPES.has(element) || attributes.name === undefined) continue;
			// Text and character data may alternate (a source holding "]]>" is split into several sections).
			const value = content
				.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
				.map((part) => (part.startsWith("<![CDATA[") ? part.slice(9, -3) : decodeXmlText(part)))
				.join("");
			const instance = stack[stack.length - 1];
			if (attributes.name === "Name") instance.name = value;
			else instance.properties[attributes.name] = value;
		}
	}
	if (stack.length !== 1) throw new Error("an <Item> is not closed");
	return root.children;
}
