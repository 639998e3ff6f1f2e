exports.handlers = { 'has space': async () => null };
