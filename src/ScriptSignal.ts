import { t } from "@rbxts/t";
import { expectArgument, expectMethodCall } from "./internal/Arguments";

/** A connection to a {@link ScriptSignal}. */
export interface ScriptConnection {
	/** False once disconnected. */
	readonly Connected: boolean;
	/** Stops the listener from being called again. Safe to call twice. */
	Disconnect(): void;
}

class Connection<T extends unknown[]> implements ScriptConnection {
	public Connected = true;

	public constructor(
		private readonly signal: ScriptSignal<T>,
		/** @internal */
		public readonly listener: (...args: T) => void,
	) {}

	public Disconnect() {
		if (!this.Connected) return;
		this.Connected = false;
		this.signal.remove(this);
	}
}

/**
 * A signal whose listeners run as soon as it fires, each in its own thread (a listener that yields does not hold
 * up ProfileService or the other listeners). Used for the Profile and GlobalUpdates events, where ProfileService
 * guarantees the profile is still active while listeners run.
 */
export class ScriptSignal<T extends unknown[] = []> {
	// Created on the first Connect: most of a profile's signals never get a listener.
	private connections?: Connection<T>[];

	// Only ProfileService fires these signals, so only it creates them.
	private constructor() {}

	/** @internal */
	public static create<T extends unknown[] = []>(): ScriptSignal<T> {
		return new ScriptSignal<T>();
	}

	/**
	 * Calls `listener` every time the signal fires, until the connection is disconnected.
	 * @throws When `listener` is not a function.
	 */
	public Connect(listener: (...args: T) => void): ScriptConnection {
		expectMethodCall(this, ScriptSignal, "ScriptSignal:Connect()");
		expectArgument("ScriptSignal:Connect()", "listener", listener, t.callback, "a function");
		const connection = new Connection(this, listener);
		(this.connections ??= []).push(connection);
		return connection;
	}

	/**
	 * The same as {@link Connect}: listeners already run in their own threads. It exists so that a Profile is
	 * assignable where code written for the `@rbxts/profileservice` typings expects an RBXScriptSignal.
	 */
	public ConnectParallel(listener: (...args: T) => void): ScriptConnection {
		expectMethodCall(this, ScriptSignal, "ScriptSignal:ConnectParallel()");
		return this.Connect(listener);
	}

	/** Calls `listener` the next time the signal fires, then disconnects. */
	public Once(listener: (...args: T) => void): ScriptConnection {
		expectMethodCall(this, ScriptSignal, "ScriptSignal:Once()");
		expectArgument("ScriptSignal:Once()", "listener", listener, t.callback, "a function");
		const connection = this.Connect((...args: T) => {
			connection.Disconnect();
			listener(...args);
		});
		return connection;
	}

	/** Yields until the signal fires and returns its arguments. */
	public Wait(): LuaTuple<T> {
		expectMethodCall(this, ScriptSignal, "ScriptSignal:Wait()");
		const thread = coroutine.running();
		this.Once((...args: T) => task.spawn(thread, ...args));
		return coroutine.yield() as unknown as LuaTuple<T>;
	}

	/** @internal */
	public remove(connection: Connection<T>) {
		const index = this.connections?.indexOf(connection) ?? -1;
		if (index !== -1) this.connections!.remove(index);
	}

	/** @internal Fires every listener. */
	public Fire(...args: T) {
		this.FireUntil(() => true, ...args);
	}

	/** @internal Fires listeners in order while `shouldContinue()` holds before each one. */
	public FireUntil(shouldContinue: () => boolean, ...args: T) {
		if (this.connections === undefined) return;
		for (const connection of [...this.connections]) {
			if (!shouldContinue()) return;
			if (connection.Connected) task.spawn(connection.listener, ...args);
		}
	}

	/** @internal */
	public DisconnectAll() {
		if (this.connections === undefined) return;
		for (const connection of [...this.connections]) connection.Disconnect();
	}
}
