process.env.REDIS_BACKEND = 'mock';
