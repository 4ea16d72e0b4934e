// #region bootstrap
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks(); // on SIGTERM: stop receiving, finish running handlers, deregister
  await app.listen(3000);
}
void bootstrap();
// #endregion
