/**
 * Which modules of a build are spec files, by the conventions of the framework each is written for. The engine
 * lists the candidates (runtime/engine/Runner.luau, `discover`); this file applies the rules:
 *
 * - TestEZ: a module named `*.spec` (TestEZ's own rule), that does not import `@rbxts/jest-globals`.
 * - Jest (the game has `@rbxts/jest`): a module that imports `@rbxts/jest-globals` and matches its project's
 *   `testMatch` (or `testRegex`), and none of its `testPathIgnorePatterns`, as jest-lua matches them: against the
 *   module's path from the folder of the `jest.config` above it, that folder's name first. Without a
 *   `jest.config`, Jest Roblox's defaults: `**\/__tests__/**\/*` and `**\/?(*.)+(spec|test)`.
 */
import { sep } from "node:path";
import { globToRegExp } from "./Glob.js";

/** A spec file by Jest's and TestEZ's conventions, or a Jest config or setup file that specs need. */
export const isSpecLike = (path: string) =>
	/\.(spec|test)\.tsx?$/.test(path) ||
	/[\\/]__tests__[\\/]/.test(path) ||
	/[\\/]jest\.(config|setup)\.tsx?$/.test(path);

/** Whether `path` is `folder` or inside it. */
export const isInside = (folder: string, path: string) => path === folder || path.startsWith(folder + sep);

/** A module that may be a spec, as the engine lists it. */
export interface SpecCandidate {
	/** Its path in the tree, "ReplicatedStorage/Lib/array/index.spec". */
	path: string;
	/** The Luau file it was mounted from. */
	source?: string;
	/** Whether its source imports `@rbxts/jest-globals`. */
	jest: boolean;
	/** The tree path of the `jest.config` module above it. */
	config?: string;
}

/** What a game's `jest.config` says about which files are tests. */
export interface JestConfigSeen {
	testMatch?: string[];
	testRegex?: string[];
	testPathIgnorePatterns?: string[];
	/** Why requiring it failed. */
	error?: string;
}

export const JEST_DEFAULT_TEST_MATCH = ["**/__tests__/**/*", "**/?(*.)+(spec|test)"];
const JEST_DEFAULT_IGNORE = ["/node_modules/"];

export interface ChosenSpecs {
	files: string[];
	/** jest.config modules that could not be read, with why. */
	configErrors: Array<{ config: string; error: string }>;
}

const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf("/")));
const nameOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** The path jest-lua matches: from the project's root folder, that folder's own name first. */
function jestPath(candidate: SpecCandidate): string {
	const root = candidate.config === undefined ? parentOf(candidate.path) : parentOf(candidate.config);
	return `${nameOf(root)}/${candidate.path.slice(root.length + 1)}`;
}

function isJestTest(candidate: SpecCandidate, config: JestConfigSeen | undefined): boolean {
	const path = jestPath(candidate);
	const ignored = (config?.testPathIgnorePatterns ?? JEST_DEFAULT_IGNORE).some((pattern) =>
		new RegExp(pattern).test(path),
	);
	if (ignored) return false;
	if (config?.testRegex !== undefined && config.testRegex.length > 0) {
		return config.testRegex.some((pattern) => new RegExp(pattern).test(path));
	}
	return (config?.testMatch ?? JEST_DEFAULT_TEST_MATCH).some((glob) => globToRegExp(glob).test(path));
}

/** The spec files among the candidates, in tree order. */
export function chooseSpecs(candidates: SpecCandidate[], configs: Record<string, JestConfigSeen>): ChosenSpecs {
	const files: string[] = [];
	for (const candidate of candidates) {
		const config = candidate.config === undefined ? undefined : configs[candidate.config];
		if (candidate.jest ? isJestTest(candidate, config) : candidate.path.endsWith(".spec")) {
			files.push(candidate.path);
		}
	}
	const configErrors = Object.entries(configs)
		.filter(([, config]) => config.error !== undefined)
		.map(([config, seen]) => ({ config, error: seen.error! }));
	return { files, configErrors };
}

/** What the runner looked for, for the "no spec files found" message. */
export function lookedFor(jest: boolean, configs: Record<string, JestConfigSeen>): string {
	const testez = "modules named *.spec (TestEZ: files *.spec.ts)";
	if (!jest) return testez;
	const matches = Object.values(configs).flatMap((config) => config.testMatch ?? []);
	const globs = matches.length > 0 ? [...new Set(matches)] : JEST_DEFAULT_TEST_MATCH;
	return `${testez}, and modules that import @rbxts/jest-globals matching ${globs.join(" or ")} (Jest: files *.spec.ts, *.test.ts, __tests__/*.ts)`;
}
