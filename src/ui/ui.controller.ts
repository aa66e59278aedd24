import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { NotFoundError } from '../common/errors/http-errors';
import { securityHeadersFor } from '../common/http/security-headers';
import { UiAssets } from './ui-assets';

/**
 * The admin app's page: its scripts and stylesheets come from /ui/assets only, and it calls the API on the same
 * origin. Mantine sets `style` attributes and a <style> element at run time, hence 'unsafe-inline' for styles (never
 * for scripts).
 */
export const UI_PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...securityHeadersFor('/'),
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
    "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const NOT_BUILT = 'The admin UI is not built: run `npm run build` (it writes ui/dist), then reload.\n';

/**
 * Serves the admin UI (ui/dist) at /ui. The page and its assets are public: what it shows comes from the API, which
 * needs a session (or a key) like any other client. `/ui/model_hub_table` (src/model-hub) is a route of its own and
 * wins over the fallback here.
 */
@Controller()
export class UiController {
  constructor(@Inject(UiAssets) private readonly files: UiAssets) {}

  @Get('/ui')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  index(@Res() reply: FastifyReply): void {
    this.sendIndex(reply);
  }

  /**
   * Hashed bundles: the name changes with the content, so a year of caching is safe.
   * @throws NotFoundError for a name the build did not write
   */
  @Get('/ui/assets/:name')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const file = this.files.asset(name);
    if (!file) throw new NotFoundError(`Cannot GET /ui/assets/${name.slice(0, 100)}`);
    reply.headers(UI_PAGE_HEADERS).header('cache-control', 'public, max-age=31536000, immutable').type(file.contentType).send(file.body);
  }

  /** The app's own routes (/ui/keys, /ui/models, …) are client-side: each is the same page. */
  @Get('/ui/*')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  clientRoute(@Res() reply: FastifyReply): void {
    this.sendIndex(reply);
  }

  private sendIndex(reply: FastifyReply): void {
    const html = this.files.indexHtml();
    reply.headers(UI_PAGE_HEADERS).header('cache-control', 'no-cache');
    if (!html) {
      reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
      return;
    }
    reply.type('text/html; charset=utf-8').send(html);
  }
}
