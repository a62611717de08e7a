/** The game's remotes, made by the server at boot in ReplicatedStorage.Remotes (clients wait for them). */
import { ReplicatedStorage } from "@rbxts/services";

function make<T extends "RemoteEvent" | "RemoteFunction">(className: T, name: string, parent: Folder) {
	const remote = new Instance(className);
	remote.Name = name;
	remote.Parent = parent;
	return remote;
}

const folder = new Instance("Folder");
folder.Name = "Remotes";
folder.Parent = ReplicatedStorage;

export const Remotes = {
	/** client -> server: (crystal: BasePart) */
	CollectCrystal: make("RemoteEvent", "CollectCrystal", folder),
	/** client -> server: () */
	JoinQueue: make("RemoteEvent", "JoinQueue", folder),
	/** server -> clients: (secondsLeft: number) */
	RoundTimer: make("RemoteEvent", "RoundTimer", folder),
	/** server -> clients: (winnerName: string | undefined) */
	RoundResult: make("RemoteEvent", "RoundResult", folder),
	/** server -> client: (coins: number) after each collected crystal */
	CoinsChanged: make("RemoteEvent", "CoinsChanged", folder),
	/** client -> server: () => { name, price } of the gem pack, for the shop button */
	GetGemPack: make("RemoteFunction", "GetGemPack", folder),
};
