// zod/mini loads no locale: without one, every message zod builds itself is "Invalid input".
// Importing this module loads zod's English messages once, globally, as the classic 'zod' import
// did: the policies' config errors and the request schemas' fallback messages stay as they were.
// ~3 KB minified (`z.locales.en` instead would bundle all 60+ locales, ~260 KB).
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
