import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/injection/quantity.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { ACCEPTED_QUANTITIES, REFUSED_QUANTITIES } from '../fixtures/quantities.ts';

const cluster = testCluster();

/** How the apiserver takes a quantity: decoded (then maybe refused by validation, e.g. a negative request) or not even decoded. */
async function apiserverDecodes(namespace: string, quantity: string): Promise<boolean> {
  const pod: V1Pod = { metadata: { generateName: 'quantity-' }, spec: { containers: [{ name: 'app', image: 'app', resources: { requests: { cpu: quantity } } }] } };
  try {
    await cluster.core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' });
    return true;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    if (error.code === 422) return true;
    // A quantity that does not parse fails decoding: 400, with ParseQuantity's own error.
    expect(error.code, String(error.body)).toBe(400);
    expect(String(error.body)).toMatch(/quantit/);
    return false;
  }
}

/**
 * A quantity parameter is checked by parseQuantity before it is rendered into a pod, so
 * parseQuantity must accept exactly what the apiserver accepts. (Its JSON decoding trims
 * spaces first; parameter values are trimmed too.)
 */
describe('quantities: parseQuantity agrees with the real apiserver', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await cluster.createNamespace('quantities');
  });

  it.each([...ACCEPTED_QUANTITIES, ...REFUSED_QUANTITIES, ' 250m', '250m '])('on %j', async (quantity) => {
    expect(await apiserverDecodes(namespace, quantity)).toBe(parseQuantity(quantity.trim()) !== undefined);
  });

  it('has cases on both sides', () => {
    expect(ACCEPTED_QUANTITIES.length).toBeGreaterThan(20);
    expect(REFUSED_QUANTITIES.length).toBeGreaterThan(20);
  });
});
