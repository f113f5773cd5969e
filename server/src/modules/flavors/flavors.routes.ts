import { moduleRouter } from '../../platform/http/route.js';
import { FlavorBody, FlavorIdParams, FlavorList, FlavorResponse } from './flavors.schemas.js';
import { createFlavor, deleteFlavor, listFlavors } from './flavors.service.js';

export const flavorsRoutes = moduleRouter('/api/flavors', 'vms');

flavorsRoutes.get('/', { summary: 'The named VM sizes, smallest first, with their prices', access: 'user', responses: { 200: FlavorList } },
  async () => ({ status: 200, body: await listFlavors() }));

export const adminFlavorsRoutes = moduleRouter('/api/admin/flavors', 'admin');

adminFlavorsRoutes.post('/', { summary: 'Offer a named VM size in the wizard', access: 'admin', body: FlavorBody, responses: { 201: FlavorResponse }, audit: 'flavor.create' },
  async ({ body, req }) => {
    const flavor = await createFlavor(body);
    Object.assign(req.audit, { targetType: 'flavor', targetId: flavor.id, details: body });
    return { status: 201, body: { flavor } };
  });

adminFlavorsRoutes.delete('/:id', { summary: 'Stop offering a size (VMs made with it keep their size)', access: 'admin', params: FlavorIdParams, responses: { 204: undefined }, audit: 'flavor.delete' },
  async ({ params, req }) => {
    Object.assign(req.audit, { targetType: 'flavor', targetId: params.id });
    await deleteFlavor(params.id);
    return { status: 204 };
  });
