// The unit test every compatibility app runs through `tta-agent-coordination/testing`: an
// @Agent on the in-memory Redis answers a request and dead-letters a permanent failure. CommonJS
// apps run it under jest, the ES-module app under node:test (see scripts/compat/run.ts for why),
// so it takes the test functions in and asserts with node:assert, which both runners report.
'use strict';
const assert = require('node:assert/strict');

/**
 * @param {object} loaded
 * @param {any} loaded.pkg this package, as the app loaded it
 * @param {any} loaded.testing its `/testing` entry, as the app loaded it
 * @param {{ describe: Function, it: Function, beforeEach: Function, afterEach: Function }} loaded.t
 */
function defineAgentTest({ pkg, testing, t }) {
  const { Agent, MessageType, OnAgentMessage, PermanentMessageError } = pkg;
  const { createTestingCoordination } = testing;

  class PricingAgent {
    quote(payload) {
      if (payload.sku === 'unknown') throw new PermanentMessageError(`no price for ${payload.sku}`);
      return { sku: payload.sku, price: 42 };
    }
  }
  Agent({ type: 'pricing' })(PricingAgent);
  const quote = Object.getOwnPropertyDescriptor(PricingAgent.prototype, 'quote');
  OnAgentMessage([MessageType.REQUEST, MessageType.EVENT])(PricingAgent.prototype, 'quote', quote);

  t.describe('PricingAgent through tta-agent-coordination/testing', () => {
    let coordination;
    t.beforeEach(async () => {
      coordination = await createTestingCoordination({ providers: [PricingAgent] });
    });
    t.afterEach(() => coordination.close());

    t.it('answers a request', async () => {
      const reply = await coordination.client.request({ type: 'pricing' }, { sku: 'A-1' });
      assert.deepEqual(reply, { sku: 'A-1', price: 42 });
    });

    t.it('dead-letters a permanent failure with its reason', async () => {
      const outcome = await coordination.client.deliver(
        { type: 'pricing' },
        { payload: { sku: 'unknown' } },
      );
      assert.equal(outcome.outcome, 'dead-lettered');
      const [dead] = await coordination.client.deadLetters({ type: 'pricing' });
      assert.match(dead.lastError, /no price for unknown/);
    });
  });
}

module.exports = { defineAgentTest };
