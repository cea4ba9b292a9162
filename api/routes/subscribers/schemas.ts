import { z } from 'zod';

const componentIds = z.array(z.string().min(1).max(64)).max(200);

export const subscribeSchema = z.strictObject({
  email: z.email({ error: 'expected an email address' }).max(254),
  /** Only notices touching these components (and general ones); every notice when absent. */
  components: componentIds.optional(),
});

export const tokenQuery = z.strictObject({ token: z.string().min(10).max(200) });

export const hookSubscriberSchema = z.strictObject({
  kind: z.enum(['webhook', 'slack']),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).max(2000),
  components: componentIds.optional(),
});

export const subscriberIdParam = z.strictObject({ id: z.string().min(1).max(100) });

export const SUBSCRIBE_ANSWER = {
  status: 'pending_confirmation',
  message: 'If this address can receive mail, a confirmation link is on its way. Nothing is sent before it is confirmed.',
} as const;
