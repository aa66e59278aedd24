import { Module } from '@nestjs/common';
import { UiAssets } from './ui-assets';
import { UiController } from './ui.controller';

/** The admin UI's static files (ui/dist) at /ui; all it shows comes from the API, with the caller's own rights. */
@Module({
  controllers: [UiController],
  providers: [{ provide: UiAssets, useFactory: () => UiAssets.locate(__dirname) }],
})
export class UiModule {}
