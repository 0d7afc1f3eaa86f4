import { tokenOf } from '@showcase/service-kit';

export const tags = ['console'];
export const security = [{ bearer: [] }];

/** The caller's token, passed on to the services' admin routes. */
export const callerToken = (request: Parameters<typeof tokenOf>[0]) => tokenOf(request) ?? '';
