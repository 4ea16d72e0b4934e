// Runs the README's "Testing your agents" snippet as a test: docs/snippets/summariser.agent.spec.ts
// is the module whose region the README shows (test/unit/docs/readme-snippets.spec.ts keeps the
// two equal), so the spec users copy is one that passes.
import '../../../docs/snippets/summariser.agent.spec';
