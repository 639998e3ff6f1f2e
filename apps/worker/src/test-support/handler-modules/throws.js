throw new Error('missing API key');
