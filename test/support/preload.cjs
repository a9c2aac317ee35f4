// The one preload the tests put in NODE_OPTIONS (`--require`, which the single executable takes
// too) of every CLI they run; the product has no switch for any of it. Each part acts only
// when its environment variable is set: the test clock ($TEST_MFA_EXEC_CLOCK) and the cheap
// key derivation ($TEST_MFA_EXEC_CHEAP_KDF). One preload, so environments can be merged.
require('./clock-preload.cjs');
require('./cheap-kdf.cjs');
