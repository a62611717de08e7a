import Runtime from "../test/Runtime";

export = () => {
	Runtime.output("no demo yet: the demo arrives with the ProfileService library (issue 3 and 4).");
	Runtime.output(`The offline runtime works: this ran in a simulated server at virtual time ${Runtime.now()} s.`);
};
