/* boundary-bench (published by tools/by_version.py): asv's graph page draws flot's legend
   inside the plot's top-left corner, where it covers the lines. Every $.plot call on the
   main graph instead puts the legend in a column to the right of the plot, and narrows
   the plot to make room; the "legend" button still hides it. Loaded after flot. */
(function ($) {
    var plot = $.plot;
    var WIDTH = 300;  // px of the legend column

    function legendOutside(placeholder, options) {
        if ($(placeholder).attr('id') !== 'main-graph' || !options || !options.legend) {
            return;
        }
        // The absolutely positioned box that holds #graph (asv sets right: 20px).
        var frame = $('#graph').parent();
        var column = $('#legend-outside');
        if (column.length === 0) {
            column = $('<div id="legend-outside"></div>').css({
                position: 'absolute', top: '108px', bottom: '110px', right: '10px',
                width: WIDTH + 'px', overflow: 'auto', 'font-size': '12px'
            }).insertAfter(frame);
        }
        var show = options.legend.show !== false;
        frame.css('right', show ? (WIDTH + 20) + 'px' : '20px');
        column.toggle(show);
        options.legend.container = column;
    }

    $.plot = function (placeholder, data, options) {
        legendOutside(placeholder, options);
        return plot.apply(this, arguments);
    };
    $.extend($.plot, plot);  // plugins, version, formatDate: flot reads $.plot.plugins
})(jQuery);
