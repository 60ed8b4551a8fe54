import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { pngSizeOfBase64 } from '../../backends/index.ts';
import type { GenerationResponse } from '../../shared/index.ts';

/** What every streamed event repeats about the request (OpenAI's `ImageGenCompletedEvent` fields). */
export interface StreamedImageSettings {
  /** The size the images ran at (`WIDTHxHEIGHT`), or `auto` where the pool did not say. */
  readonly size: string;
  /** The request's `quality`, or `auto`. */
  readonly quality: string;
  /** Unix seconds. */
  readonly createdAt: number;
}

/**
 * The warning a request asking for partial images gets: the pools run each image to its last step
 * without decoding the steps between, so there are none to send.
 */
export const PARTIAL_IMAGES_WARNING = 'partial_images: no partial images are sent, only completed ones';

/**
 * OpenAI's image streaming (`stream: true`): Server-Sent Events, one `image_generation.completed`
 * event per image, its `data` the event object the official SDKs parse (`ImageGenCompletedEvent`).
 * They are sent once every image is done: the generation runs exactly as a plain request does, so a
 * failure before it is still the plain error envelope with its status and `Retry-After`, which a
 * client's retry logic reads, rather than an event inside a stream already answered 200.
 */
export function streamCompletedImages(
  context: Context,
  images: GenerationResponse['data'],
  settings: StreamedImageSettings,
): Response {
  context.header('cache-control', 'no-store');
  return streamSSE(context, async (stream) => {
    for (const image of images) {
      const event = {
        type: 'image_generation.completed',
        b64_json: image.b64_json ?? '',
        created_at: settings.createdAt,
        // The image's own size where its PNG says it: a provider may not have run the size asked.
        size: pngSizeOfBase64(image.b64_json) ?? settings.size,
        quality: settings.quality,
        background: 'auto',
        output_format: 'png',
      };
      await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
    }
  });
}
